"""The demo_data command: loads realistic data through the services, once, and the same every time."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import Role
from apps.common.management.demo import loader
from apps.jobs.models import Application, Job, JobStatus
from apps.workers.models import PortfolioItem, WorkerProfile, WorkerTrade

User = get_user_model()
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "workers": User.objects.filter(role=Role.WORKER).count(),
        "hirers": User.objects.filter(role=Role.HIRER).count(),
        "profiles": WorkerProfile.objects.count(),
        "trades": WorkerTrade.objects.count(),
        "photos": PortfolioItem.objects.count(),
        "jobs": Job.objects.count(),
        "applications": Application.objects.count(),
    }


@pytest.fixture
def loaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert run("--check-loaded") == "empty\n"
    first = run()
    return first


def test_demo_data_loads_once_and_repeats_nothing(loaded):
    # Volume and variety.
    assert User.objects.filter(role=Role.WORKER).count() >= 40
    assert User.objects.filter(role=Role.HIRER).count() >= 15
    assert Job.objects.count() == loader.JOB_COUNT
    assert set(Job.objects.values_list("status", flat=True)) == set(JobStatus.values)
    assert Application.objects.count() > 100
    assert WorkerProfile.objects.exclude(primary_trade="").count() == WorkerProfile.objects.count()
    assert PortfolioItem.objects.exists()

    # The jobs app's rules held: one accepted application per awarded job, drafts untouched.
    for job in Job.objects.filter(status__in=[JobStatus.AWARDED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED]):
        assert job.applications.filter(status="accepted").count() == 1
    for job in Job.objects.filter(status=JobStatus.DRAFT):
        assert not job.applications.exists()
        assert job.published_at is None

    # A second run adds nothing.
    before = counts()
    jobs_before = sorted(Job.objects.values_list("hirer__email", "title", "status"))
    second = run()
    assert "nothing to add" in second
    assert counts() == before
    assert sorted(Job.objects.values_list("hirer__email", "title", "status")) == jobs_before
    assert run("--check-loaded") == "loaded\n"


def test_demo_accounts_are_ready_to_use(loaded, client, as_api):
    for account in loader.DEMO_ACCOUNTS:
        response = client.post(reverse("accounts:login"), {"username": account.email, "password": loader.PASSWORD})
        assert response.status_code == 302, account.email
        assert client.get(reverse("dashboard:home")).status_code == 200
        client.post(reverse("accounts:logout"))

    staff = User.objects.get(email="staff@kelmah.test")
    assert staff.is_superuser and staff.is_staff
    worker = User.objects.get(email="worker@kelmah.test")
    assert worker.worker_profile.primary_trade == "plumbing"
    open_jobs = Job.objects.filter(hirer__email="hirer@kelmah.test", status=JobStatus.OPEN)
    assert max(job.applications.count() for job in open_jobs) >= 3

    sections = as_api(worker).get("/api/v1/dashboard/").json()["sections"]
    assert len(sections["recommended_jobs"]["data"]) >= 2
    hirer_sections = as_api(User.objects.get(email="hirer@kelmah.test")).get("/api/v1/dashboard/").json()["sections"]
    assert len(hirer_sections["saved_workers"]["data"]) == 4
    assert sum(sections["applications"]["data"]["counts"].values()) > 0


def test_accounts_flag_prints_logins(db):
    output = run("--accounts")

    for email in ("hirer@kelmah.test", "worker@kelmah.test", "staff@kelmah.test"):
        assert email in output
    assert "kelmah-demo" in output


def test_demo_names_are_unique_and_ghanaian():
    from apps.common.management.demo import content

    names = content.WORKER_NAMES + content.HIRER_NAMES
    assert len(names) == len(set(names))
    emails = [loader.email_for(name) for name in names]
    assert len(emails) == len(set(emails))
    assert any(name.startswith("Nii ") for name in names)  # Ga
    assert any(name.startswith("Kwame ") for name in names)  # Akan
    assert any(name.startswith("Selorm ") for name in names)  # Ewe
    assert any(name.startswith("Fuseini ") for name in names)  # Dagbani


def test_job_plan_is_deterministic():
    first = loader._job_plans(loader.random.Random(1), 16)
    second = loader._job_plans(loader.random.Random(1), 16)

    assert first == second
    assert len(first) == loader.JOB_COUNT
