"""Reads for jobs and applications: public search, permission-checked fetches, counts.

Every function returns in a fixed number of queries whatever the number of rows: related
rows come through select_related or annotations, never one query per row.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from apps.common.errors import NotFound
from apps.common.ghana import Region, Trade
from apps.jobs.models import Application, ApplicationStatus, Job, JobStatus
from apps.resilience.cache import Cached, Unavailable, get_or_build

# Statuses anyone may see; drafts and cancelled jobs are visible only to their hirer.
PUBLIC_STATUSES = (JobStatus.OPEN, JobStatus.AWARDED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED)

SORT_NEWEST = "newest"
SORT_BUDGET_HIGH = "budget_high"
SORT_BUDGET_LOW = "budget_low"
SORT_RELEVANCE = "relevance"
SORTS = (SORT_NEWEST, SORT_BUDGET_HIGH, SORT_BUDGET_LOW, SORT_RELEVANCE)

# Cached public listings. Services bump PUBLIC_LISTINGS_TAG whenever a job enters or leaves
# the open set or an open job changes. The fresh period therefore only bounds drift from
# writes that bypass the services. The stale period is how old a listing may be shown
# while the database is failing.
PUBLIC_LISTINGS_TAG = "jobs:public-listings"
HOME_LISTINGS_KEY = "jobs:home-listings:v1"
FILTER_COUNTS_KEY = "jobs:filter-counts:v1"
HOME_LISTINGS_FRESH_SECONDS = 60
HOME_LISTINGS_STALE_SECONDS = 30 * 60
HOME_NEWEST_JOBS = 6

# Cached dashboard figures, per user. Services bump user_dashboard_tag(user id) after any
# change to that user's jobs or applications. The short fresh period bounds drift from
# writes that bypass the services.
DASHBOARD_FRESH_SECONDS = 30
DASHBOARD_STALE_SECONDS = 10 * 60
# Applications listed under each status on the worker's dashboard; the count covers all.
DASHBOARD_APPLICATIONS_PER_STATUS = 5

# Full-text configuration; the GIN index in migration 0003 indexes exactly this expression.
SEARCH_CONFIG = "english"


@dataclass(frozen=True)
class JobSearch:
    """Validated search parameters; budgets are pesewas and None means no bound."""

    q: str = ""
    trade: str = ""
    region: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    sort: str = SORT_NEWEST


def search_vector() -> SearchVector:
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "description", weight="B", config=SEARCH_CONFIG
    )


def job_search(*, search: JobSearch) -> QuerySet[Job]:
    """Return open jobs matching `search`, sorted as asked (relevance only applies with a keyword).

    A job matches a budget filter when its range overlaps the requested one. On PostgreSQL the
    keyword uses full-text search ranked by SearchRank; elsewhere every word must appear in
    the title or description, and relevance favours title matches.
    """
    jobs = Job.objects.filter(status=JobStatus.OPEN).select_related("hirer")
    if search.trade:
        jobs = jobs.filter(trade=search.trade)
    if search.region:
        jobs = jobs.filter(region=search.region)
    if search.budget_min is not None:
        jobs = jobs.filter(budget_max__gte=search.budget_min)
    if search.budget_max is not None:
        jobs = jobs.filter(budget_min__lte=search.budget_max)

    q = search.q.strip()
    if q:
        jobs = _filter_keyword(jobs, q)
    return jobs.order_by(*_ordering(search.sort, has_keyword=bool(q)))


def _filter_keyword(jobs: QuerySet[Job], q: str) -> QuerySet[Job]:
    if connection.vendor == "postgresql":
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        vector = search_vector()
        return jobs.annotate(search=vector).filter(search=query).annotate(rank=SearchRank(vector, query))

    words = q.split()[:10]
    for word in words:
        jobs = jobs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    title_hits = [
        Case(When(title__icontains=word, then=Value(2)), default=Value(1), output_field=IntegerField())
        for word in words
    ]
    rank = title_hits[0]
    for hit in title_hits[1:]:
        rank = rank + hit
    return jobs.annotate(rank=rank)


def _ordering(sort: str, *, has_keyword: bool) -> list:
    if sort == SORT_RELEVANCE and has_keyword:
        return [F("rank").desc(), "-published_at", "-pk"]
    if sort == SORT_BUDGET_HIGH:
        return [F("budget_max").desc(nulls_last=True), "-published_at", "-pk"]
    if sort == SORT_BUDGET_LOW:
        return [F("budget_min").asc(nulls_last=True), "-published_at", "-pk"]
    return ["-published_at", "-pk"]


def newest_open_jobs(*, limit: int = 6) -> list[Job]:
    return list(Job.objects.filter(status=JobStatus.OPEN).order_by("-published_at", "-pk")[:limit])


def home_listings() -> Cached | Unavailable:
    """Return the home page's open-job counts per trade and newest jobs, through the resilient cache.

    The value is {"trade_counts": [...], "newest_jobs": [...]}. It may be stale (with its
    age) when rebuilding fails, or Unavailable when nothing was ever built, and the page
    shows which.
    """
    return get_or_build(
        HOME_LISTINGS_KEY,
        _build_home_listings,
        fresh=HOME_LISTINGS_FRESH_SECONDS,
        stale=HOME_LISTINGS_STALE_SECONDS,
        tags=[PUBLIC_LISTINGS_TAG],
    )


def filter_counts() -> Cached | Unavailable:
    """Return open-job counts for the search filters, {"trades": {value: n}, "regions": {value: n}}, cached."""
    return get_or_build(
        FILTER_COUNTS_KEY,
        _build_filter_counts,
        fresh=HOME_LISTINGS_FRESH_SECONDS,
        stale=HOME_LISTINGS_STALE_SECONDS,
        tags=[PUBLIC_LISTINGS_TAG],
    )


def _build_filter_counts() -> dict:
    return {"trades": _open_counts("trade"), "regions": _open_counts("region")}


def _build_home_listings() -> dict:
    return {
        "trade_counts": open_job_counts_by_trade(),
        "newest_jobs": newest_open_jobs(limit=HOME_NEWEST_JOBS),
    }


def open_job_counts_by_trade() -> list[tuple[str, str, int]]:
    """Return (trade value, label, open-job count) for every trade, in taxonomy order."""
    counts = _open_counts("trade")
    return [(value, str(label), counts.get(value, 0)) for value, label in Trade.choices]


def open_job_counts_by_region() -> list[tuple[str, str, int]]:
    """Return (region value, label, open-job count) for all 16 regions."""
    counts = _open_counts("region")
    return [(value, str(label), counts.get(value, 0)) for value, label in Region.choices]


def _open_counts(field: str) -> dict[str, int]:
    rows = Job.objects.filter(status=JobStatus.OPEN).values(field).annotate(count=Count("pk")).order_by()
    return {row[field]: row["count"] for row in rows}


# Permission-checked fetches. Anything the user may not see raises NotFound (a 404).


def job_get_visible(*, job_id, user) -> Job:
    """Return a job anyone may see, or a draft or cancelled job to its own hirer."""
    job = Job.objects.select_related("hirer").filter(pk=_as_id(job_id)).first()
    if job is None:
        raise NotFound(_("Job not found."))
    if job.status in PUBLIC_STATUSES:
        return job
    if user is not None and user.is_authenticated and job.hirer_id == user.pk:
        return job
    raise NotFound(_("Job not found."))


def job_get_for_hirer(*, job_id, hirer) -> Job:
    """Return one of the hirer's own jobs in any status."""
    job = Job.objects.select_related("hirer").filter(pk=_as_id(job_id), hirer_id=hirer.pk).first()
    if job is None:
        raise NotFound(_("Job not found."))
    return job


def application_get_for_worker(*, application_id, worker) -> Application:
    application = (
        Application.objects.select_related("job", "job__hirer")
        .filter(pk=_as_id(application_id), worker_id=worker.pk)
        .first()
    )
    if application is None:
        raise NotFound(_("Application not found."))
    return application


def application_get_for_hirer(*, application_id, hirer) -> Application:
    """Return an application on one of the hirer's jobs."""
    application = (
        Application.objects.select_related("job", "job__hirer", "worker")
        .filter(pk=_as_id(application_id), job__hirer_id=hirer.pk)
        .first()
    )
    if application is None:
        raise NotFound(_("Application not found."))
    return application


def _as_id(value) -> int:
    """Turn a path id into an int; anything else (text, negative, huge) is simply not found."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


# Applications


def job_applications(*, job: Job) -> list[Application]:
    """Return every application on the job, open ones first, for its hirer."""
    order = Case(
        When(status=ApplicationStatus.ACCEPTED, then=Value(0)),
        When(status=ApplicationStatus.SHORTLISTED, then=Value(1)),
        When(status=ApplicationStatus.PENDING, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(
        Application.objects.filter(job=job).select_related("worker").annotate(order=order).order_by("order", "pk")
    )


def worker_application_for_job(*, job: Job, worker) -> Application | None:
    if worker is None or not worker.is_authenticated:
        return None
    return Application.objects.filter(job=job, worker_id=worker.pk).first()


def worker_applications(*, worker, status: str = "") -> QuerySet[Application]:
    applications = Application.objects.filter(worker_id=worker.pk).select_related("job", "job__hirer")
    if status:
        applications = applications.filter(status=status)
    return applications.order_by("-created_at", "-pk")


def worker_applications_by_status(*, worker) -> dict[str, list[Application]]:
    """Return the worker's applications grouped by status, in ApplicationStatus order, newest first."""
    groups: dict[str, list[Application]] = {value: [] for value in ApplicationStatus.values}
    for application in worker_applications(worker=worker):
        groups[application.status].append(application)
    return groups


@dataclass(frozen=True)
class ApplicationLine:
    """One application on the worker's dashboard: the job it is for and the amount proposed."""

    job_id: int
    job_title: str
    proposed_amount: int


@dataclass(frozen=True)
class ApplicationGroup:
    """The worker's applications in one status: how many, and the newest few."""

    status: str
    count: int
    newest: tuple[ApplicationLine, ...]


def user_dashboard_tag(user_id: int) -> str:
    """Return the cache tag of one user's dashboard figures."""
    return f"jobs:dashboard:{int(user_id)}"


def hirer_dashboard_counts(*, hirer) -> Cached[dict[str, int]] | Unavailable:
    """Return hirer_job_counts_by_status through the resilient cache, per hirer."""
    return get_or_build(
        f"jobs:hirer-counts:v1:{hirer.pk}",
        lambda: hirer_job_counts_by_status(hirer=hirer),
        fresh=DASHBOARD_FRESH_SECONDS,
        stale=DASHBOARD_STALE_SECONDS,
        tags=[user_dashboard_tag(hirer.pk)],
    )


def worker_dashboard_applications(*, worker) -> Cached[dict[str, ApplicationGroup]] | Unavailable:
    """Return the worker's application counts and newest applications per status, cached per worker."""
    return get_or_build(
        f"jobs:worker-applications:v1:{worker.pk}",
        lambda: _build_application_groups(worker),
        fresh=DASHBOARD_FRESH_SECONDS,
        stale=DASHBOARD_STALE_SECONDS,
        tags=[user_dashboard_tag(worker.pk)],
    )


def _build_application_groups(worker) -> dict[str, ApplicationGroup]:
    rows = (
        Application.objects.filter(worker_id=worker.pk)
        .order_by("-created_at", "-pk")
        .values_list("status", "job_id", "job__title", "proposed_amount")
    )
    counts: dict[str, int] = dict.fromkeys(ApplicationStatus.values, 0)
    newest: dict[str, list[ApplicationLine]] = {value: [] for value in ApplicationStatus.values}
    for status, job_id, title, amount in rows:
        counts[status] += 1
        if len(newest[status]) < DASHBOARD_APPLICATIONS_PER_STATUS:
            newest[status].append(ApplicationLine(job_id=job_id, job_title=title, proposed_amount=amount))
    return {
        status: ApplicationGroup(status=status, count=counts[status], newest=tuple(newest[status]))
        for status in ApplicationStatus.values
    }


def newest_applications_for_hirer(*, hirer, limit: int = 5) -> list[Application]:
    return list(
        Application.objects.filter(job__hirer_id=hirer.pk, status__in=[ApplicationStatus.PENDING])
        .select_related("job", "worker")
        .order_by("-created_at", "-pk")[:limit]
    )


# Hirer views


def hirer_jobs(*, hirer, status: str = "") -> QuerySet[Job]:
    """Return the hirer's jobs with `open_applications` and `application_count` annotated."""
    jobs = Job.objects.filter(hirer_id=hirer.pk).annotate(
        application_count=Count("applications"),
        open_applications=Count(
            "applications",
            filter=Q(applications__status__in=[ApplicationStatus.PENDING, ApplicationStatus.SHORTLISTED]),
        ),
    )
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-updated_at", "-pk")


def hirer_job_counts_by_status(*, hirer) -> dict[str, int]:
    rows = Job.objects.filter(hirer_id=hirer.pk).values("status").annotate(count=Count("pk")).order_by()
    counts = dict.fromkeys(JobStatus.values, 0)
    counts.update({row["status"]: row["count"] for row in rows})
    return counts


def recommended_jobs(*, trades: list[str], region: str, exclude_worker=None, limit: int = 5) -> list[Job]:
    """Return newest open jobs in any of `trades` (all trades when empty) and `region` (any when empty).

    Jobs the worker already applied for are left out.
    """
    jobs = Job.objects.filter(status=JobStatus.OPEN).select_related("hirer")
    if trades:
        jobs = jobs.filter(trade__in=trades)
    if region:
        jobs = jobs.filter(region=region)
    if exclude_worker is not None:
        jobs = jobs.exclude(applications__worker_id=exclude_worker.pk)
    return list(jobs.order_by("-published_at", "-pk")[:limit])
