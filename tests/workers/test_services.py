from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import Role
from apps.common.errors import DomainError, InvalidTransition, NotFound
from apps.workers import services
from apps.workers.models import GhanaCardState, WorkerProfile, WorkerTrade
from apps.workers.selectors import profile_completeness, worker_profile_for_user, worker_summaries
from tests.conftest import make_user
from tests.workers.helpers import listed_worker

pytestmark = pytest.mark.django_db


def test_signup_creates_profile_for_workers_only(worker, hirer):
    assert WorkerProfile.objects.filter(user=worker).count() == 1
    assert not WorkerProfile.objects.filter(user=hirer).exists()
    assert worker_profile_for_user(worker).user == worker
    assert worker_profile_for_user(hirer) is None


def test_update_stores_trades_and_primary(worker):
    profile = services.worker_profile_update(
        user=worker, trades=["plumbing", "tiling"], primary_trade="tiling", skills="PPR pipes, , ppr pipes, Tiling "
    )

    assert profile.primary_trade == "tiling"
    assert sorted(WorkerTrade.objects.filter(profile=profile).values_list("trade", flat=True)) == ["plumbing", "tiling"]
    assert profile.skill_list == ["PPR pipes", "Tiling"]


def test_update_replaces_trades_and_moves_primary(worker):
    services.worker_profile_update(user=worker, trades=["plumbing", "tiling"], primary_trade="tiling")

    profile = services.worker_profile_update(user=worker, trades=["welding"])

    assert profile.primary_trade == "welding"
    assert list(profile.trades.values_list("trade", flat=True)) == ["welding"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trades": []}, "trades"),
        ({"trades": ["rocket-science"]}, "trades"),
        ({"trades": ["plumbing"], "primary_trade": "welding"}, "primary_trade"),
        ({"trades": ["plumbing", "tiling", "welding", "masonry", "painting", "catering"]}, "trades"),
        ({"trades": "plumbing"}, "trades"),
        ({"skills": ",".join(f"skill {n}" for n in range(16))}, "skills"),
        ({"skills": "x" * 41}, "skills"),
        ({"years_experience": 61}, "years_experience"),
        ({"years_experience": True}, "years_experience"),
        ({"rate_pesewas": -1}, "rate_pesewas"),
        ({"rate_pesewas": 10_000_001}, "rate_pesewas"),
        ({"rate_unit": "week"}, "rate_unit"),
        ({"region": "lagos"}, "region"),
        ({"service_radius_km": 301}, "service_radius_km"),
        ({"service_radius_km": None}, "service_radius_km"),
        ({"availability": "maybe"}, "availability"),
        ({"certification_level": "phd"}, "certification_level"),
        ({"headline": "x" * 121}, "headline"),
        ({"bio": ["not", "text"]}, "bio"),
    ],
)
def test_update_rejects_bad_values_and_stores_nothing(worker, changes, field):
    before = WorkerProfile.objects.get(user=worker)

    with pytest.raises(ValidationError) as caught:
        services.worker_profile_update(user=worker, **changes)

    assert field in caught.value.message_dict
    after = WorkerProfile.objects.get(user=worker)
    assert after.updated_at == before.updated_at
    assert not after.trades.exists()


def test_update_rejects_unknown_field(worker):
    with pytest.raises(TypeError):
        services.worker_profile_update(user=worker, rating_average=5)


def test_update_for_hirer_is_not_found(hirer):
    with pytest.raises(NotFound):
        services.worker_profile_update(user=hirer, headline="Boss")


def test_ghana_card_submit_and_review(worker, staff):
    profile = services.ghana_card_submit(user=worker, number=" gha-123456789-0 ")
    assert profile.ghana_card_state == GhanaCardState.PENDING
    assert profile.ghana_card_number == "GHA-123456789-0"

    profile = services.ghana_card_review(reviewer=staff, worker_user=worker, approve=True)
    assert profile.ghana_card_state == GhanaCardState.VERIFIED

    with pytest.raises(InvalidTransition):
        services.ghana_card_submit(user=worker, number="GHA-987654321-1")
    assert WorkerProfile.objects.get(user=worker).ghana_card_number == "GHA-123456789-0"


@pytest.mark.parametrize("number", ["", "123456789", "GHA-12345678-0", "GHA-1234567890-1", "GHB-123456789-0", None, 5])
def test_ghana_card_rejects_bad_format(worker, number):
    with pytest.raises(ValidationError):
        services.ghana_card_submit(user=worker, number=number)

    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.UNVERIFIED


def test_ghana_card_rejection_clears_number(worker, staff):
    services.ghana_card_submit(user=worker, number="GHA-123456789-0")

    profile = services.ghana_card_review(reviewer=staff, worker_user=worker, approve=False)

    assert profile.ghana_card_state == GhanaCardState.UNVERIFIED
    assert profile.ghana_card_number == ""


def test_ghana_card_review_needs_staff(worker, hirer):
    services.ghana_card_submit(user=worker, number="GHA-123456789-0")

    with pytest.raises(NotFound):
        services.ghana_card_review(reviewer=hirer, worker_user=worker, approve=True)

    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.PENDING


def test_rating_record_keeps_running_average(worker):
    for stars in (5, 4, 4):
        services.worker_rating_record(worker_user=worker, stars=stars)

    profile = WorkerProfile.objects.get(user=worker)
    assert profile.rating_count == 3
    assert profile.rating_total == 13
    assert profile.rating_average == Decimal("4.33")


@pytest.mark.parametrize("stars", [0, 6, 4.5, "5", True, None])
def test_rating_record_rejects_bad_stars(worker, stars):
    with pytest.raises(DomainError):
        services.worker_rating_record(worker_user=worker, stars=stars)

    assert WorkerProfile.objects.get(user=worker).rating_count == 0


def test_rating_recalculate_replaces_totals(worker):
    services.worker_rating_record(worker_user=worker, stars=1)

    profile = services.worker_rating_recalculate(worker_user=worker, stars=[5, 4])

    assert (profile.rating_total, profile.rating_count, profile.rating_average) == (9, 2, Decimal("4.50"))
    assert services.worker_rating_recalculate(worker_user=worker, stars=[]).rating_average == 0


def test_completeness_lists_missing_items(worker):
    profile = WorkerProfile.objects.get(user=worker)
    empty = profile_completeness(profile)
    assert empty.percent == 0
    assert {item.key for item in empty.missing} >= {"trade", "bio", "portfolio", "ghana_card"}

    services.worker_profile_update(
        user=worker,
        trades=["masonry"],
        headline="Block-laying and plastering",
        bio="I build houses and fences in Tamale and the towns around it. " * 2,
        skills="plastering, block-laying",
        years_experience=8,
        rate_pesewas=20000,
        region="northern",
        town="Tamale",
    )
    services.ghana_card_submit(user=worker, number="GHA-123456789-0")

    filled = profile_completeness(WorkerProfile.objects.get(user=worker))
    assert [item.key for item in filled.missing] == ["portfolio"]
    assert filled.percent == 89


def test_summaries_hide_private_fields(worker):
    user = listed_worker(name="Efua Sam", trades=["tailoring"])

    summaries = worker_summaries([user.pk, worker.pk, 999999])

    assert set(summaries) == {user.pk, worker.pk}
    summary = summaries[user.pk]
    assert summary.name == "Efua Sam"
    assert summary.primary_trade == "tailoring"
    assert not hasattr(summary, "phone")
    assert worker_summaries([]) == {}


def test_staff_user_has_no_profile():
    staff_user = make_user(role=Role.STAFF)
    assert worker_profile_for_user(staff_user) is None


def test_admin_verifies_pending_cards_only(staff_client, worker, stranger):
    from django.urls import reverse

    services.ghana_card_submit(user=worker, number="GHA-123456789-0")
    profiles = WorkerProfile.objects.filter(user__in=[worker, stranger])

    response = staff_client.post(
        reverse("admin:workers_workerprofile_changelist"),
        {"action": "verify_ghana_cards", "_selected_action": [profile.pk for profile in profiles]},
    )

    assert response.status_code == 302
    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.VERIFIED
    assert WorkerProfile.objects.get(user=stranger).ghana_card_state == GhanaCardState.UNVERIFIED


def test_admin_pages_render_for_staff(staff_client, worker):
    from django.urls import reverse

    profile = WorkerProfile.objects.get(user=worker)

    assert staff_client.get(reverse("admin:workers_workerprofile_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:workers_workerprofile_change", args=[profile.pk])).status_code == 200
    assert staff_client.get(reverse("admin:workers_portfolioitem_changelist")).status_code == 200
