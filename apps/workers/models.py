from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import CertificationLevel, Region, Trade


class RateUnit(models.TextChoices):
    DAY = "day", _("per day")
    HOUR = "hour", _("per hour")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available for work")
    BUSY = "busy", _("Busy, taking bookings")
    UNAVAILABLE = "unavailable", _("Not taking work")


class GhanaCardState(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Verification pending")
    VERIFIED = "verified", _("Ghana Card verified")


class WorkerProfile(models.Model):
    """The public face of a worker account: one per worker user, created at sign-up.

    The rate is integer pesewas per `rate_unit`; None means the worker has not set one.
    `rating_total` and `rating_count` are the source of `rating_average`; only
    services.worker_rating_record and worker_rating_recalculate change them.
    The Ghana Card number is private to the worker and staff.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker_profile")
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    bio = models.TextField(_("about"), max_length=2000, blank=True)
    primary_trade = models.CharField(_("main trade"), max_length=32, choices=Trade.choices, blank=True, db_index=True)
    # Tags joined by ", " so keyword search can match them with one LIKE.
    skills = models.CharField(_("skills"), max_length=700, blank=True)
    years_experience = models.PositiveSmallIntegerField(_("years of experience"), null=True, blank=True)
    rate_pesewas = models.PositiveIntegerField(_("rate (pesewas)"), null=True, blank=True)
    rate_unit = models.CharField(_("rate unit"), max_length=4, choices=RateUnit.choices, default=RateUnit.DAY)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True, db_index=True)
    town = models.CharField(_("town"), max_length=80, blank=True)
    service_radius_km = models.PositiveSmallIntegerField(_("service radius (km)"), default=10)
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    certification_level = models.CharField(
        _("certification"), max_length=4, choices=CertificationLevel.choices, blank=True, default=""
    )
    ghana_card_number = models.CharField(_("Ghana Card number"), max_length=15, blank=True)
    ghana_card_state = models.CharField(
        _("Ghana Card state"), max_length=10, choices=GhanaCardState.choices, default=GhanaCardState.UNVERIFIED
    )
    ghana_card_submitted_at = models.DateTimeField(null=True, blank=True)
    ghana_card_reviewed_at = models.DateTimeField(null=True, blank=True)
    rating_total = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-rating_average", "-rating_count", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating_average__gte=0, rating_average__lte=5), name="worker_rating_0_5"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def skill_list(self) -> list[str]:
        return [tag for tag in self.skills.split(", ") if tag]


class WorkerTrade(models.Model):
    """One trade a worker offers; the profile's primary_trade is always among them."""

    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="trades")
    trade = models.CharField(_("trade"), max_length=32, choices=Trade.choices, db_index=True)

    class Meta:
        ordering = ["trade"]
        constraints = [models.UniqueConstraint(fields=["profile", "trade"], name="worker_trade_once")]

    def __str__(self) -> str:
        return self.get_trade_display()


def portfolio_upload_path(item: "PortfolioItem", filename: str) -> str:
    return f"portfolio/{item.profile.user_id}/{filename}"


class PortfolioItem(models.Model):
    """A photo of finished work. The stored file is re-encoded by the service, never the raw upload."""

    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="portfolio_items")
    image = models.ImageField(_("photo"), upload_to=portfolio_upload_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=140, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
