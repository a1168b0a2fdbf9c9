"""Writes to worker profiles: sign-up, edits, portfolio, Ghana Card and ratings."""

import logging
import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.common.errors import DomainError, InvalidTransition, NotFound
from apps.common.ghana import CertificationLevel, Region, Trade
from apps.common.money import MAX_PESEWAS
from apps.resilience.cache import bump as cache_bump
from apps.workers.images import clean_portfolio_image
from apps.workers.models import Availability, GhanaCardState, PortfolioItem, RateUnit, WorkerProfile, WorkerTrade

logger = logging.getLogger(__name__)

MAX_TRADES = 5
MAX_SKILLS = 15
MAX_SKILL_LENGTH = 40
MAX_YEARS_EXPERIENCE = 60
# Beyond a few hours' travel a radius stops meaning anything for day work.
MAX_SERVICE_RADIUS_KM = 300
# The rate cap is far above any real day rate, but keeps a typo from reading as a rate.
MAX_RATE_PESEWAS = min(MAX_PESEWAS, 10_000_000)
MAX_PORTFOLIO_ITEMS = 12
MAX_CAPTION_LENGTH = 140
GHANA_CARD_PATTERN = re.compile(r"^GHA-\d{9}-\d$")

EDITABLE_FIELDS = frozenset(
    {
        "headline",
        "bio",
        "trades",
        "primary_trade",
        "skills",
        "years_experience",
        "rate_pesewas",
        "rate_unit",
        "region",
        "town",
        "service_radius_km",
        "availability",
        "certification_level",
    }
)


def worker_profile_create(*, user) -> WorkerProfile | None:
    """Create the empty profile of a new worker; other roles get none. Runs in the sign-up transaction."""
    if user.role != Role.WORKER:
        return None
    profile, _created = WorkerProfile.objects.get_or_create(user=user)
    return profile


def _profile_for_update(user) -> WorkerProfile:
    try:
        return WorkerProfile.objects.select_for_update().get(user=user)
    except WorkerProfile.DoesNotExist:
        raise NotFound(_("You do not have a worker profile.")) from None


def normalize_skills(raw) -> list[str]:
    """Turn a comma-separated string or a list into unique, trimmed tags; raise ValidationError when too many."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) for item in raw):
        raise ValidationError({"skills": [_("Enter skills as a list of words, separated by commas.")]})

    tags: list[str] = []
    seen: set[str] = set()
    for item in raw:
        tag = " ".join(item.replace(",", " ").split())
        if not tag or tag.lower() in seen:
            continue
        if len(tag) > MAX_SKILL_LENGTH:
            raise ValidationError(
                {"skills": [_("“%(tag)s” is too long; keep each skill under %(max)d characters.")]},
                params={"tag": tag[:60], "max": MAX_SKILL_LENGTH},
            )
        seen.add(tag.lower())
        tags.append(tag)
    if len(tags) > MAX_SKILLS:
        raise ValidationError({"skills": [_("List at most %(max)d skills.") % {"max": MAX_SKILLS}]})
    return tags


def _check_bounded_int(errors: dict, field: str, value, *, maximum: int, nullable: bool) -> None:
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = [_("Enter a whole number.")]
    elif not 0 <= value <= maximum:
        errors[field] = [_("Enter a number from 0 to %(max)d.") % {"max": maximum}]


def _check_choice(errors: dict, field: str, value, choices) -> None:
    if value not in choices.values:
        errors[field] = [_("“%(value)s” is not a valid choice.") % {"value": str(value)[:40]}]


def _check_text(errors: dict, field: str, value, *, max_length: int) -> None:
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
    elif len(value) > max_length:
        errors[field] = [_("Keep this under %(max)d characters.") % {"max": max_length}]


def _validate_changes(profile: WorkerProfile, changes: dict) -> dict:
    """Return the cleaned changes, or raise ValidationError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(changes)

    for field, max_length in (("headline", 120), ("bio", 2000), ("town", 80)):
        if field in changes:
            _check_text(errors, field, changes[field], max_length=max_length)
            if field not in errors:
                cleaned[field] = changes[field].strip()
    if "skills" in changes:
        try:
            cleaned["skills"] = ", ".join(normalize_skills(changes["skills"]))
        except ValidationError as error:
            errors.update(error.message_dict)
    if "years_experience" in changes:
        _check_bounded_int(
            errors, "years_experience", changes["years_experience"], maximum=MAX_YEARS_EXPERIENCE, nullable=True
        )
    if "rate_pesewas" in changes:
        _check_bounded_int(errors, "rate_pesewas", changes["rate_pesewas"], maximum=MAX_RATE_PESEWAS, nullable=True)
    if "service_radius_km" in changes:
        _check_bounded_int(
            errors, "service_radius_km", changes["service_radius_km"], maximum=MAX_SERVICE_RADIUS_KM, nullable=False
        )
    for field, choices in (
        ("rate_unit", RateUnit),
        ("availability", Availability),
        ("certification_level", CertificationLevel),
    ):
        if field in changes:
            _check_choice(errors, field, changes[field], choices)
    if "region" in changes and changes["region"] != "":
        _check_choice(errors, "region", changes["region"], Region)

    _validate_trades(profile, changes, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _validate_trades(profile: WorkerProfile, changes: dict, cleaned: dict, errors: dict) -> None:
    if "trades" not in changes and "primary_trade" not in changes:
        return
    trades = changes.get("trades")
    if trades is None:
        trades = list(profile.trades.values_list("trade", flat=True))
        if not trades and changes.get("primary_trade"):
            trades = [changes["primary_trade"]]
    if not isinstance(trades, list | tuple) or not all(isinstance(trade, str) for trade in trades):
        errors["trades"] = [_("Choose your trades from the list.")]
        return
    trades = list(dict.fromkeys(trades))
    unknown = [trade for trade in trades if trade not in Trade.values]
    if unknown:
        errors["trades"] = [_("“%(value)s” is not a trade on Kelmah.") % {"value": unknown[0][:40]}]
        return
    if not trades:
        errors["trades"] = [_("Choose at least one trade.")]
        return
    if len(trades) > MAX_TRADES:
        errors["trades"] = [_("Choose at most %(max)d trades.") % {"max": MAX_TRADES}]
        return

    if "primary_trade" in changes:
        primary = changes["primary_trade"] or trades[0]
        if primary not in trades:
            errors["primary_trade"] = [_("Your main trade must be one of the trades you chose.")]
            return
    else:
        # A worker who drops their main trade gets the first one they listed instead.
        primary = profile.primary_trade if profile.primary_trade in trades else trades[0]
    cleaned["trades"] = trades
    cleaned["primary_trade"] = primary


@transaction.atomic
def worker_profile_update(*, user, **changes) -> WorkerProfile:
    """Apply a partial update to the user's profile. Raises ValidationError naming each bad field.

    Accepts only EDITABLE_FIELDS; `trades` is the full list of trade codes and replaces the old one.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"worker_profile_update() got unexpected fields: {sorted(unknown)}")

    profile = _profile_for_update(user)
    cleaned = _validate_changes(profile, changes)
    trades = cleaned.pop("trades", None)

    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.save(update_fields=[*cleaned, "updated_at"])
    if trades is not None:
        profile.trades.exclude(trade__in=trades).delete()
        existing = set(profile.trades.values_list("trade", flat=True))
        WorkerTrade.objects.bulk_create(
            [WorkerTrade(profile=profile, trade=trade) for trade in trades if trade not in existing]
        )
    _refresh_directory()

    logger.info("worker profile updated", extra={"user_id": user.pk, "fields": sorted(changes)})
    return profile


def portfolio_item_add(*, user, upload, caption: str = "") -> PortfolioItem:
    """Check, re-encode and store a portfolio photo. Raises ValidationError on the image or caption."""
    if not isinstance(caption, str) or len(caption.strip()) > MAX_CAPTION_LENGTH:
        raise ValidationError(
            {"caption": [_("Keep the caption under %(max)d characters.") % {"max": MAX_CAPTION_LENGTH}]}
        )
    if upload is None:
        raise ValidationError({"image": [_("Choose a photo to upload.")]})
    try:
        content = clean_portfolio_image(upload)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from None

    with transaction.atomic():
        # The lock serialises two uploads from the same worker so the limit holds.
        profile = _profile_for_update(user)
        if profile.portfolio_items.count() >= MAX_PORTFOLIO_ITEMS:
            raise DomainError(
                _("Your portfolio is full (%(max)d photos). Delete one to add another.") % {"max": MAX_PORTFOLIO_ITEMS},
                code="portfolio_full",
                field="image",
            )
        item = PortfolioItem(profile=profile, caption=caption.strip())
        item.image.save(content.name, content, save=False)
        stored_name = item.image.name
        try:
            item.save()
        except Exception:
            item.image.storage.delete(stored_name)
            raise
        _refresh_directory()

    logger.info("portfolio item added", extra={"user_id": user.pk, "item_id": item.pk, "bytes": item.image.size})
    return item


@transaction.atomic
def portfolio_item_delete(*, user, item_id: int) -> None:
    """Delete one of the user's own portfolio photos; another user's photo is NotFound."""
    from apps.workers.selectors import portfolio_item_for_owner

    item = portfolio_item_for_owner(user=user, item_id=item_id)
    stored_name, storage = item.image.name, item.image.storage
    item.delete()
    # The file goes only once the row is gone for good, so a rollback never leaves a row without its file.
    transaction.on_commit(lambda: storage.delete(stored_name))
    _refresh_directory()
    logger.info("portfolio item deleted", extra={"user_id": user.pk, "item_id": item_id})


@transaction.atomic
def portfolio_item_remove(*, moderator, item_id: int) -> None:
    """Remove any worker's photo as staff (an inappropriate or stolen picture); others get NotFound."""
    if not moderator.is_staff:
        raise NotFound(_("Photo not found."))
    item = PortfolioItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Photo not found."))

    stored_name, storage, owner_id = item.image.name, item.image.storage, item.profile.user_id
    item.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))
    _refresh_directory()
    logger.warning(
        "portfolio item removed by staff", extra={"user_id": owner_id, "item_id": item_id, "moderator_id": moderator.pk}
    )


@transaction.atomic
def ghana_card_submit(*, user, number: str) -> WorkerProfile:
    """Store the worker's Ghana Card number and mark it pending review. A verified card cannot be replaced."""
    number = (number or "").strip().upper() if isinstance(number, str) else ""
    if not GHANA_CARD_PATTERN.match(number):
        raise ValidationError(
            {"number": [_("Enter the number exactly as printed on the card, for example GHA-123456789-0.")]}
        )

    profile = _profile_for_update(user)
    if profile.ghana_card_state == GhanaCardState.VERIFIED:
        raise InvalidTransition(_("Your Ghana Card is already verified."), field="number")

    profile.ghana_card_number = number
    profile.ghana_card_state = GhanaCardState.PENDING
    profile.ghana_card_submitted_at = timezone.now()
    profile.save(update_fields=["ghana_card_number", "ghana_card_state", "ghana_card_submitted_at", "updated_at"])
    _refresh_directory()
    logger.info("ghana card submitted", extra={"user_id": user.pk})
    return profile


@transaction.atomic
def ghana_card_review(*, reviewer, worker_user, approve: bool) -> WorkerProfile:
    """Record a staff decision on a pending Ghana Card: verified, or back to unverified with the number cleared."""
    if not reviewer.is_staff:
        raise NotFound(_("Worker not found."))
    profile = _profile_for_update(worker_user)
    if profile.ghana_card_state != GhanaCardState.PENDING:
        raise InvalidTransition(_("Only a pending Ghana Card can be reviewed."))

    profile.ghana_card_state = GhanaCardState.VERIFIED if approve else GhanaCardState.UNVERIFIED
    if not approve:
        profile.ghana_card_number = ""
    profile.ghana_card_reviewed_at = timezone.now()
    profile.save(update_fields=["ghana_card_state", "ghana_card_number", "ghana_card_reviewed_at", "updated_at"])
    _refresh_directory()
    logger.info(
        "ghana card reviewed",
        extra={"user_id": worker_user.pk, "reviewer_id": reviewer.pk, "state": profile.ghana_card_state},
    )
    return profile


def _refresh_directory() -> None:
    """Mark cached directory pages outdated once this transaction commits."""
    from apps.workers.selectors import DIRECTORY_TAG

    cache_bump(DIRECTORY_TAG)


def _average(total: int, count: int) -> Decimal:
    if count == 0:
        return Decimal("0.00")
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def worker_rating_record(*, worker_user, stars: int) -> WorkerProfile:
    """Add one rating of 1 to 5 stars to the worker's average. Locks the profile row while it counts."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError(_("A rating is a whole number of stars from 1 to 5."), code="invalid_rating", field="stars")

    profile = _profile_for_update(worker_user)
    profile.rating_total += stars
    profile.rating_count += 1
    profile.rating_average = _average(profile.rating_total, profile.rating_count)
    profile.save(update_fields=["rating_total", "rating_count", "rating_average"])
    _refresh_directory()
    return profile


@transaction.atomic
def worker_rating_recalculate(*, worker_user, stars: list[int]) -> WorkerProfile:
    """Replace the worker's rating with one computed from every star value given (after moderation removes one)."""
    if any(isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5 for value in stars):
        raise DomainError(_("A rating is a whole number of stars from 1 to 5."), code="invalid_rating", field="stars")

    profile = _profile_for_update(worker_user)
    profile.rating_total = sum(stars)
    profile.rating_count = len(stars)
    profile.rating_average = _average(profile.rating_total, profile.rating_count)
    profile.save(update_fields=["rating_total", "rating_count", "rating_average"])
    _refresh_directory()
    return profile
