"""Reads of worker profiles. Other apps read worker data only through these functions."""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Case, F, Q, QuerySet, When
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role
from apps.common.errors import NotFound
from apps.resilience.cache import Cached, Unavailable, get_or_build
from apps.workers.models import GhanaCardState, PortfolioItem, RateUnit, WorkerProfile, WorkerTrade

# An hourly rate is compared with day rates as an eight-hour day.
HOURS_PER_DAY = 8
# A bio shorter than this rarely gives a hirer more than the headline does.
MIN_USEFUL_BIO = 50

SORTS: dict[str, tuple] = {
    "best": ("-rating_average", "-rating_count", "id"),
    "rate_low": (F("day_rate").asc(nulls_last=True), "id"),
    "rate_high": (F("day_rate").desc(nulls_last=True), "id"),
    "experience": (F("years_experience").desc(nulls_last=True), "id"),
    "newest": ("-created_at", "-id"),
}
# Cached directory pages. Services bump DIRECTORY_TAG after any change to a profile, trade,
# rating, availability or portfolio, so the fresh period only bounds drift from writes that
# bypass the services; the stale period is how old a page may be shown while the database fails.
DIRECTORY_TAG = "workers:directory"
DIRECTORY_FRESH_SECONDS = 60
DIRECTORY_STALE_SECONDS = 30 * 60
DIRECTORY_PAGE_SIZE = 20
# Deeper pages than this are served as this page; nobody reads 10,000 pages of workers, and
# the cap keeps one client from filling the cache with page numbers.
DIRECTORY_MAX_PAGE = 10_000

SORT_LABELS = {
    "best": _("Best rated"),
    "rate_low": _("Lowest rate"),
    "rate_high": _("Highest rate"),
    "experience": _("Most experienced"),
    "newest": _("Newest"),
}


@dataclass(frozen=True)
class DirectoryFilters:
    """Directory search. Empty strings and None mean "any"; max_day_rate is pesewas per day."""

    keyword: str = ""
    trade: str = ""
    region: str = ""
    min_rating: Decimal | None = None
    max_day_rate: int | None = None
    availability: str = ""
    sort: str = "best"


# Checklist items a profile needs before it is listed for hirers (see _listed_profiles).
LISTING_CHECKLIST_KEYS = frozenset({"trade"})


def _listed_profiles() -> QuerySet[WorkerProfile]:
    """Profiles a visitor may see: active worker accounts that have chosen a trade."""
    return WorkerProfile.objects.filter(user__is_active=True, user__role=Role.WORKER).exclude(primary_trade="")


def worker_directory(filters: DirectoryFilters) -> QuerySet[WorkerProfile]:
    """Return the matching profiles, sorted, with users and trades loaded in a fixed number of queries."""
    profiles = (
        _listed_profiles()
        .select_related("user")
        .prefetch_related("trades")
        .annotate(
            day_rate=Case(
                When(rate_unit=RateUnit.HOUR, then=F("rate_pesewas") * HOURS_PER_DAY),
                default=F("rate_pesewas"),
                output_field=BigIntegerField(),
            )
        )
    )
    keyword = " ".join(filters.keyword.split())
    if keyword:
        profiles = profiles.filter(
            Q(user__full_name__icontains=keyword)
            | Q(headline__icontains=keyword)
            | Q(bio__icontains=keyword)
            | Q(skills__icontains=keyword)
            | Q(town__icontains=keyword)
        )
    if filters.trade:
        profiles = profiles.filter(id__in=WorkerTrade.objects.filter(trade=filters.trade).values("profile_id"))
    if filters.region:
        profiles = profiles.filter(region=filters.region)
    if filters.min_rating is not None:
        profiles = profiles.filter(rating_average__gte=filters.min_rating, rating_count__gt=0)
    if filters.max_day_rate is not None:
        profiles = profiles.filter(day_rate__lte=filters.max_day_rate)
    if filters.availability:
        profiles = profiles.filter(availability=filters.availability)
    return profiles.order_by(*SORTS.get(filters.sort, SORTS["best"]))


@dataclass(frozen=True)
class DirectoryCard:
    """The public facts on a directory card. Excludes the phone, email, address and Ghana Card number."""

    user_id: int
    name: str
    headline: str
    primary_trade: str
    primary_trade_label: str
    trades: tuple[str, ...]
    trade_labels: tuple[str, ...]
    skills: tuple[str, ...]
    years_experience: int | None
    rate_pesewas: int | None
    rate_unit: str
    rate_unit_label: str
    region: str
    region_label: str
    town: str
    service_radius_km: int
    availability: str
    availability_label: str
    certification_level: str
    ghana_card_verified: bool
    rating_average: Decimal
    rating_count: int


@dataclass(frozen=True)
class DirectoryPage:
    """One page of directory cards with what the pagination links need."""

    cards: tuple[DirectoryCard, ...]
    count: int
    number: int
    num_pages: int
    page_size: int

    def __iter__(self):
        return iter(self.cards)

    def __len__(self) -> int:
        return len(self.cards)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def directory_page_number(raw) -> int:
    """Return the page asked for as an int from 1 to DIRECTORY_MAX_PAGE; anything unreadable is page 1."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), DIRECTORY_MAX_PAGE)


def worker_directory_page(
    filters: DirectoryFilters, *, page: int, page_size: int = DIRECTORY_PAGE_SIZE
) -> Cached[DirectoryPage] | Unavailable:
    """Return one page of the directory through the resilient cache.

    A page past the end is served as the last page. The result may be stale (with its age)
    when rebuilding fails, or Unavailable when nothing was ever built for these filters.
    """
    page = directory_page_number(page)
    return get_or_build(
        _directory_key(filters, page, page_size),
        lambda: _build_directory_page(filters, page, page_size),
        fresh=DIRECTORY_FRESH_SECONDS,
        stale=DIRECTORY_STALE_SECONDS,
        tags=[DIRECTORY_TAG],
    )


def _directory_key(filters: DirectoryFilters, page: int, page_size: int) -> str:
    """Key one normalized filter set: keyword spacing and case do not make a new entry."""
    normalized = {
        "keyword": " ".join(filters.keyword.split()).lower(),
        "trade": filters.trade,
        "region": filters.region,
        "min_rating": str(filters.min_rating) if filters.min_rating is not None else None,
        "max_day_rate": filters.max_day_rate,
        "availability": filters.availability,
        "sort": filters.sort if filters.sort in SORTS else "best",
        "page": page,
        "page_size": page_size,
    }
    digest = hashlib.sha256(json.dumps(normalized, sort_keys=True).encode()).hexdigest()[:32]
    return f"workers:directory:v1:{digest}"


def _build_directory_page(filters: DirectoryFilters, page: int, page_size: int) -> DirectoryPage:
    paginator = Paginator(worker_directory(filters), page_size)
    current = paginator.get_page(page)
    return DirectoryPage(
        cards=tuple(_directory_card(profile) for profile in current),
        count=paginator.count,
        number=current.number,
        num_pages=paginator.num_pages,
        page_size=page_size,
    )


def _directory_card(profile: WorkerProfile) -> DirectoryCard:
    trades = list(profile.trades.all())
    return DirectoryCard(
        user_id=profile.user_id,
        name=profile.user.full_name,
        headline=profile.headline,
        primary_trade=profile.primary_trade,
        primary_trade_label=str(profile.get_primary_trade_display()),
        trades=tuple(trade.trade for trade in trades),
        trade_labels=tuple(str(trade.get_trade_display()) for trade in trades),
        skills=tuple(profile.skill_list),
        years_experience=profile.years_experience,
        rate_pesewas=profile.rate_pesewas,
        rate_unit=profile.rate_unit,
        rate_unit_label=str(profile.get_rate_unit_display()),
        region=profile.region,
        region_label=str(profile.get_region_display()) if profile.region else "",
        town=profile.town,
        service_radius_km=profile.service_radius_km,
        availability=profile.availability,
        availability_label=str(profile.get_availability_display()),
        certification_level=profile.certification_level,
        ghana_card_verified=profile.ghana_card_state == GhanaCardState.VERIFIED,
        rating_average=profile.rating_average,
        rating_count=profile.rating_count,
    )


def worker_profile_for_user(user) -> WorkerProfile | None:
    """Return the user's own worker profile, or None for anonymous users and other roles."""
    if user is None or not user.is_authenticated or user.role != Role.WORKER:
        return None
    return WorkerProfile.objects.filter(user=user).select_related("user").first()


def worker_public_profile(*, user_id: int) -> WorkerProfile:
    """Return a listed worker's profile with trades and portfolio loaded; raise NotFound otherwise."""
    profile = (
        _listed_profiles()
        .select_related("user")
        .prefetch_related("trades", "portfolio_items")
        .filter(user_id=user_id)
        .first()
    )
    if profile is None:
        raise NotFound(str(_("Worker not found.")))
    return profile


def worker_profile_for_viewer(*, user_id: int, viewer) -> tuple[WorkerProfile, bool]:
    """Return a worker's profile page data and whether it is listed for hirers.

    Anyone may see a listed profile. An unlisted one is visible only to its owner, so a
    worker can check their own page while finishing it. Everyone else gets NotFound.
    """
    try:
        return worker_public_profile(user_id=user_id), True
    except NotFound:
        own = viewer is not None and viewer.is_authenticated and viewer.pk == user_id
        if not own:
            raise
    profile = (
        WorkerProfile.objects.filter(user_id=user_id, user__is_active=True, user__role=Role.WORKER)
        .select_related("user")
        .prefetch_related("trades", "portfolio_items")
        .first()
    )
    if profile is None:
        raise NotFound(str(_("Worker not found.")))
    return profile, False


def portfolio_item_for_owner(*, user, item_id: int) -> PortfolioItem:
    """Return one of the user's own portfolio items; anyone else's, or a missing one, is NotFound."""
    item = PortfolioItem.objects.filter(pk=item_id, profile__user=user).select_related("profile").first()
    if item is None:
        raise NotFound(str(_("Photo not found.")))
    return item


def portfolio_for_owner(*, user) -> list[PortfolioItem]:
    return list(PortfolioItem.objects.filter(profile__user=user))


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool


@dataclass(frozen=True)
class Completeness:
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def percent(self) -> int:
        if not self.items:
            return 100
        return round(100 * sum(item.done for item in self.items) / len(self.items))

    @property
    def missing(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.done]

    @property
    def is_complete(self) -> bool:
        return not self.missing


def profile_completeness(profile: WorkerProfile, *, portfolio_count: int | None = None) -> Completeness:
    """Return the checklist of what a hirer expects on a profile. Costs one query unless portfolio_count is given."""
    if portfolio_count is None:
        portfolio_count = profile.portfolio_items.count()
    checks = [
        ("trade", _("Choose your trade"), bool(profile.primary_trade)),
        ("headline", _("Write a headline"), bool(profile.headline)),
        (
            "bio",
            _("Describe your work in at least %(count)d characters") % {"count": MIN_USEFUL_BIO},
            len(profile.bio) >= MIN_USEFUL_BIO,
        ),
        ("skills", _("List your skills"), bool(profile.skills)),
        ("experience", _("Say how many years you have worked"), profile.years_experience is not None),
        ("rate", _("Set your rate"), profile.rate_pesewas is not None),
        ("location", _("Add your region and town"), bool(profile.region and profile.town)),
        ("portfolio", _("Add a photo of your work"), portfolio_count > 0),
        (
            "ghana_card",
            _("Submit your Ghana Card for verification"),
            profile.ghana_card_state != GhanaCardState.UNVERIFIED,
        ),
    ]
    return Completeness(items=[ChecklistItem(key=key, label=str(label), done=done) for key, label, done in checks])


@dataclass(frozen=True)
class WorkerSummary:
    """Public facts about a worker that another app may show. Excludes the phone, email and Ghana Card number."""

    user_id: int
    name: str
    headline: str
    primary_trade: str
    primary_trade_label: str
    region: str
    region_label: str
    town: str
    rating_average: Decimal
    rating_count: int
    ghana_card_verified: bool
    availability: str


def worker_summaries(user_ids) -> dict[int, WorkerSummary]:
    """Return public summaries keyed by user id in one query; ids without a profile are left out."""
    ids = [int(user_id) for user_id in user_ids]
    if not ids:
        return {}
    profiles = WorkerProfile.objects.filter(user_id__in=ids, user__is_active=True).select_related("user")
    return {
        profile.user_id: WorkerSummary(
            user_id=profile.user_id,
            name=profile.user.full_name,
            headline=profile.headline,
            primary_trade=profile.primary_trade,
            primary_trade_label=profile.get_primary_trade_display() if profile.primary_trade else "",
            region=profile.region,
            region_label=profile.get_region_display() if profile.region else "",
            town=profile.town,
            rating_average=profile.rating_average,
            rating_count=profile.rating_count,
            ghana_card_verified=profile.ghana_card_state == GhanaCardState.VERIFIED,
            availability=profile.availability,
        )
        for profile in profiles
    }
