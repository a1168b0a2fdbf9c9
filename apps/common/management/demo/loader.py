"""Load the demo data through each app's services, deterministically and idempotently.

Every object is created through the owning app's services, so demo rows obey the same
rules as real ones. A seeded random.Random plans everything before anything is written,
so the plan never depends on what the database already holds. Each step then creates only
what is missing: users by email, jobs by hirer and title, applications by job and worker.

Other apps add their own demo data without editing this file: an installed app with a
`demo.py` module that defines `load_demo(demo: DemoContext)` is called after the core
steps, in INSTALLED_APPS order. It must be idempotent too, and should use `demo.rng_for`
so its choices are deterministic.
"""

import importlib
import importlib.util
import io
import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from apps.accounts.models import Role
from apps.accounts.services import user_register
from apps.common.ghana import REGION_TOWNS, CertificationLevel, Region
from apps.common.management.demo import content

logger = logging.getLogger(__name__)

SEED = 2026
PASSWORD = "kelmah-demo"
DEMO_DOMAIN = "kelmah.test"
JOB_COUNT = 100
# How many of the jobs end in each state; the sum is JOB_COUNT.
# Positions in the job plan kept open for the demo worker's recommendations.
NEAR_DEMO_WORKER = (7, 8)
JOB_STATES = {"draft": 8, "open": 42, "awarded": 10, "in_progress": 12, "completed": 20, "cancelled": 8}

User = get_user_model()


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    name: str
    phone: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount(f"hirer@{DEMO_DOMAIN}", Role.HIRER, "Abena Owusu", "+233245550100", "hirer with open jobs"),
    DemoAccount(f"worker@{DEMO_DOMAIN}", Role.WORKER, "Kwesi Mensah", "+233245550101", "plumber in Madina"),
    DemoAccount(f"staff@{DEMO_DOMAIN}", Role.STAFF, "Selasi Operator", "+233245550102", "staff superuser"),
]


@dataclass
class DemoContext:
    """The core steps' output for extensions: users by role, jobs, and seeded random sources."""

    stdout: io.TextIOBase
    workers: list = field(default_factory=list)
    hirers: list = field(default_factory=list)
    staff: object = None
    jobs: list = field(default_factory=list)
    created: dict = field(default_factory=dict)

    def rng_for(self, name: str) -> random.Random:
        """Return a random source seeded by `name`, so each step's choices stay stable across runs."""
        return random.Random(f"{SEED}:{name}")

    def count(self, kind: str, amount: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + amount


def email_for(name: str) -> str:
    local = ".".join(part for part in name.lower().replace("-", " ").split() if part)
    return f"{local}@demo.{DEMO_DOMAIN}"


def phone_for(number: int) -> str:
    """Return a valid MTN-style number from a block no real subscriber is likely to hold."""
    return f"+23324{5560000 + number:07d}"


def _ensure_user(demo: DemoContext, *, email: str, phone: str, name: str, role: str):
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    if role == Role.STAFF:
        user = User.objects.create_superuser(email=email, phone=phone, full_name=name, password=PASSWORD)
    else:
        user = user_register(email=email, phone=phone, full_name=name, role=role, password=PASSWORD)
    demo.count(f"{role} accounts")
    return user


def load_accounts(demo: DemoContext) -> None:
    for account in DEMO_ACCOUNTS:
        user = _ensure_user(demo, email=account.email, phone=account.phone, name=account.name, role=account.role)
        if account.role == Role.WORKER:
            demo.workers.append(user)
        elif account.role == Role.HIRER:
            demo.hirers.append(user)
        else:
            demo.staff = user

    for index, name in enumerate(content.WORKER_NAMES):
        demo.workers.append(_ensure_user(demo, email=email_for(name), phone=phone_for(index), name=name, role="worker"))
    for index, name in enumerate(content.HIRER_NAMES, start=500):
        demo.hirers.append(_ensure_user(demo, email=email_for(name), phone=phone_for(index), name=name, role="hirer"))


def load_hirer_profiles(demo: DemoContext) -> None:
    """Give each demo hirer a town, some a business name, and the demo hirer a few saved workers."""
    from apps.hirers import services as hirer_services
    from apps.hirers.selectors import hirer_profile_get

    rng = demo.rng_for("hirers")
    for hirer in demo.hirers:
        region = rng.choice([Region.GREATER_ACCRA.value] * 3 + [Region.ASHANTI.value] * 2 + [r.value for r in Region])
        town = rng.choice(REGION_TOWNS[region])
        if hirer_profile_get(user=hirer).town:
            continue
        fields = {"region": region, "town": town}
        business = content.HIRER_BUSINESSES.get(hirer.full_name)
        if business:
            fields |= {"kind": "business", "business_name": business}
        hirer_services.hirer_profile_update(user=hirer, **fields)
        demo.count("hirer profiles")

    # saved_worker_add returns the existing row for a worker already saved, so this repeats safely.
    for worker in rng.sample(demo.workers[1:], k=4):
        hirer_services.saved_worker_add(hirer=demo.hirers[0], worker_id=worker.pk)


def _worker_plan(rng: random.Random, index: int, user) -> dict:
    """Return the profile of the index-th worker; the demo worker account is a plumber in Madina."""
    if user.email == DEMO_ACCOUNTS[1].email:
        trade, region, town = "plumbing", Region.GREATER_ACCRA.value, "Madina"
    else:
        trade = list(content.TRADES)[index % len(content.TRADES)]
        # Most work is in the big cities, as on the real market.
        region = rng.choice([Region.GREATER_ACCRA.value] * 4 + [Region.ASHANTI.value] * 3 + [r.value for r in Region])
        town = rng.choice(REGION_TOWNS[region])
    details = content.TRADES[trade]
    years = rng.randint(2, 25)
    low, high = details["day_rate"]
    second_trades = [other for other in content.TRADES if other != trade]
    trades = [trade] + (rng.sample(second_trades, 1) if rng.random() < 0.3 else [])
    hourly = rng.random() < 0.2
    day_rate = rng.randint(low, high)
    return {
        "trades": trades,
        "primary_trade": trade,
        "headline": rng.choice(details["headlines"]),
        "bio": rng.choice(content.BIO_TEMPLATES).format(
            trade=trade.replace("-", " "), town=town, years=years, region=Region(region).label
        ),
        "skills": rng.sample(details["skills"], k=min(len(details["skills"]), rng.randint(3, 5))),
        "years_experience": years,
        "rate_pesewas": (day_rate * 100 // 8 // 100 * 100 if hourly else day_rate * 100),
        "rate_unit": "hour" if hourly else "day",
        "region": region,
        "town": town,
        "service_radius_km": rng.choice([5, 10, 15, 20, 30, 50]),
        "availability": rng.choice(["available"] * 6 + ["busy"] * 3 + ["unavailable"]),
        "certification_level": rng.choice([level.value for level in CertificationLevel]),
    }


def _portfolio_photo(rng: random.Random, caption: str) -> SimpleUploadedFile:
    """Draw a small placeholder picture; demo photos stand in for real photos of work."""
    image = Image.new("RGB", (480, 360), tuple(rng.randint(90, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 400), rng.randint(0, 280)
        draw.rectangle(
            (x, y, x + rng.randint(40, 160), y + rng.randint(30, 120)),
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
        )
    draw.text((16, 330), caption, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def load_worker_profiles(demo: DemoContext) -> None:
    from apps.workers import services as worker_services
    from apps.workers.models import WorkerProfile

    rng = demo.rng_for("workers")
    profiles = {profile.user_id: profile for profile in WorkerProfile.objects.filter(user__in=demo.workers)}
    for index, user in enumerate(demo.workers):
        plan = _worker_plan(rng, index, user)
        card_roll, photo_roll = rng.random(), rng.random()
        profile = profiles[user.pk]
        if profile.primary_trade:
            continue

        with transaction.atomic():
            worker_services.worker_profile_update(user=user, **plan)
            if card_roll < 0.7:
                worker_services.ghana_card_submit(user=user, number=f"GHA-{700000000 + index * 7919:09d}-{index % 10}")
                if card_roll < 0.5 and demo.staff is not None:
                    worker_services.ghana_card_review(reviewer=demo.staff, worker_user=user, approve=True)
            if photo_roll < 0.5:
                caption = f"{plan['headline']} in {plan['town']}"[:140]
                worker_services.portfolio_item_add(user=user, upload=_portfolio_photo(rng, caption), caption=caption)
                demo.count("portfolio photos")
        demo.count("worker profiles")


@dataclass(frozen=True)
class JobPlan:
    hirer_index: int
    title: str
    trade: str
    budget: tuple[int, int]
    region: str
    town: str
    address: str
    state: str
    start_in_days: int | None
    urgency: str
    applicants: int


def _job_plans(rng: random.Random, hirer_count: int) -> list[JobPlan]:
    states = [state for state, count in JOB_STATES.items() for _ in range(count)]
    rng.shuffle(states)
    # The demo hirer always has an open job with applicants and a draft, and the demo worker has
    # open jobs to find. Swapping keeps the number of jobs in each state as JOB_STATES sets it.
    for position, state in [(0, "open"), (1, "draft")] + [(number, "open") for number in NEAR_DEMO_WORKER]:
        swap = states.index(state, max(NEAR_DEMO_WORKER) + 1)
        states[position], states[swap] = states[swap], states[position]

    plans: list[JobPlan] = []
    used: set[tuple[int, str]] = set()
    for number, state in enumerate(states):
        hirer_index = 0 if number < 6 else rng.randrange(hirer_count)
        trade = rng.choice(list(content.TRADES))
        title, low, high = rng.choice(content.TRADES[trade]["jobs"])
        region = rng.choice([Region.GREATER_ACCRA.value] * 4 + [Region.ASHANTI.value] * 2 + [r.value for r in Region])
        town = rng.choice(REGION_TOWNS[region])
        fewest_applicants = 0 if state == "open" else 1
        applicants = rng.randint(fewest_applicants, 5)
        if number in NEAR_DEMO_WORKER:
            # Open plumbing jobs near the demo worker, left for them to find as recommendations.
            state, trade, region, town, applicants = "open", "plumbing", Region.GREATER_ACCRA.value, "Adenta", 0
            title, low, high = content.TRADES["plumbing"]["jobs"][number % 5]
        elif number == 0:
            applicants = max(applicants, 3)
        full_title = f"{title} in {town}"
        if (hirer_index, full_title) in used:
            full_title = f"{title} in {town} ({number})"
        used.add((hirer_index, full_title))
        budget = (rng.randint(low, (low + high) // 2) * 100, rng.randint((low + high) // 2, high) * 100)
        plans.append(
            JobPlan(
                hirer_index=hirer_index,
                title=full_title[:120],
                trade=trade,
                budget=budget,
                region=region,
                town=town,
                address=f"{rng.choice(content.TOWN_ADDRESSES)}, {town}",
                state=state,
                start_in_days=rng.choice([None, None, 1, 3, 7, 14]),
                urgency=rng.choice(["flexible", "flexible", "this_week", "urgent"]),
                applicants=applicants,
            )
        )
    return plans


def _pick_applicants(rng: random.Random, workers: list, plan: JobPlan, profiles: dict) -> list:
    """Prefer workers of the job's trade, then anyone; the demo worker applies for plumbing jobs."""
    same_trade = [user for user in workers if profiles.get(user.pk) == plan.trade]
    others = [user for user in workers if profiles.get(user.pk) != plan.trade]
    pool = rng.sample(same_trade, k=len(same_trade)) + rng.sample(others, k=len(others))
    if plan.state == "draft":
        return []
    count = plan.applicants if plan.state == "open" else max(plan.applicants, 1)
    return pool[:count]


def load_jobs(demo: DemoContext) -> None:
    from apps.jobs import services as job_services
    from apps.jobs.models import Job
    from apps.workers.models import WorkerProfile

    rng = demo.rng_for("jobs")
    plans = _job_plans(rng, len(demo.hirers))
    trades = dict(WorkerProfile.objects.filter(user__in=demo.workers).values_list("user_id", "primary_trade"))
    existing = set(Job.objects.filter(hirer__in=demo.hirers).values_list("hirer_id", "title"))

    for plan in plans:
        applicants = _pick_applicants(rng, demo.workers, plan, trades)
        letters = [
            rng.choice(content.COVER_LETTERS).format(town=plan.town, when="tomorrow", years=rng.randint(3, 20))
            for _ in applicants
        ]
        amounts = [rng.randint(plan.budget[0], plan.budget[1]) // 100 * 100 for _ in applicants]
        hirer = demo.hirers[plan.hirer_index]
        if (hirer.pk, plan.title) in existing:
            continue

        with transaction.atomic():
            job = _create_job(job_services, hirer, plan)
            applications = [
                job_services.application_create(
                    job=job,
                    worker=worker,
                    cover_letter=letter,
                    proposed_amount=amount,
                )
                for worker, letter, amount in zip(applicants, letters, amounts, strict=True)
            ]
            _move_to_state(job_services, job, hirer, applications, plan.state)
        demo.jobs.append(job)
        demo.count("jobs")
        demo.count("applications", len(applications))


def _create_job(job_services, hirer, plan: JobPlan):
    start_date = None if plan.start_in_days is None else timezone.localdate() + timedelta(days=plan.start_in_days)
    return job_services.job_create(
        hirer=hirer,
        title=plan.title,
        trade=plan.trade,
        description=(
            f"{plan.title}. The place is {plan.address.split(',')[0].lower()}. Please quote for labour; "
            "tell me if you can buy the materials and how long the work will take."
        ),
        budget_type="range",
        budget_min=plan.budget[0],
        budget_max=plan.budget[1],
        region=plan.region,
        town=plan.town,
        address=plan.address,
        start_date=start_date,
        urgency=plan.urgency,
        publish=plan.state != "draft",
    )


def _move_to_state(job_services, job, hirer, applications: list, state: str) -> None:
    """Walk the job from open to `state` through the jobs services' own transitions."""
    if state in ("draft", "open"):
        return
    if state == "cancelled":
        job_services.job_cancel(job=job, actor=hirer, reason="The client changed plans.")
        return

    job_services.application_accept(application=applications[0], hirer=hirer)
    if state in ("in_progress", "completed"):
        job_services.job_start(job=job, actor=hirer)
    if state == "completed":
        job_services.job_complete(job=job, actor=hirer)


def load_ratings(demo: DemoContext) -> None:
    """Give each worker one rating per completed job they were hired for, once."""
    from apps.jobs.models import Application, ApplicationStatus, JobStatus
    from apps.workers import services as worker_services
    from apps.workers.models import WorkerProfile

    rng = demo.rng_for("ratings")
    hired = (
        Application.objects.filter(
            job__hirer__in=demo.hirers, job__status=JobStatus.COMPLETED, status=ApplicationStatus.ACCEPTED
        )
        .order_by("job_id")
        .values_list("worker_id", flat=True)
    )
    stars_by_worker: dict[int, list[int]] = {}
    for worker_id in hired:
        stars_by_worker.setdefault(worker_id, []).append(rng.choice([3, 4, 4, 5, 5, 5]))

    rated = set(
        WorkerProfile.objects.filter(user_id__in=stars_by_worker, rating_count__gt=0).values_list("user_id", flat=True)
    )
    users = User.objects.in_bulk(list(stars_by_worker))
    for worker_id, stars in stars_by_worker.items():
        if worker_id in rated:
            continue
        worker_services.worker_rating_recalculate(worker_user=users[worker_id], stars=stars)
        demo.count("rated workers")


CORE_STEPS = [load_accounts, load_hirer_profiles, load_worker_profiles, load_jobs, load_ratings]


def extension_modules() -> list:
    """Return the `demo` module of every installed app that has one, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        dotted = f"{config.name}.demo"
        if importlib.util.find_spec(config.name) is None or importlib.util.find_spec(dotted) is None:
            continue
        module = importlib.import_module(dotted)
        if callable(getattr(module, "load_demo", None)):
            found.append(module)
    return found


def load_all(stdout) -> DemoContext:
    demo = DemoContext(stdout=stdout)
    for step in CORE_STEPS:
        step(demo)
    for module in extension_modules():
        module.load_demo(demo)
    return demo


def is_loaded() -> bool:
    """Return True once every demo account exists and the demo hirers have all their jobs."""
    from apps.jobs.models import Job

    emails = [account.email for account in DEMO_ACCOUNTS]
    if User.objects.filter(email__in=emails).count() < len(emails):
        return False
    hirer_emails = [DEMO_ACCOUNTS[0].email] + [email_for(name) for name in content.HIRER_NAMES]
    return Job.objects.filter(hirer__email__in=hirer_emails).count() >= JOB_COUNT
