from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import Region


class HirerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual or household")
    BUSINESS = "business", _("Business or organisation")


class HirerProfile(models.Model):
    """A hirer's public profile; created with the account at sign-up."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hirer_profile")
    kind = models.CharField(_("hiring as"), max_length=12, choices=HirerKind.choices, default=HirerKind.INDIVIDUAL)
    business_name = models.CharField(_("business name"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    town = models.CharField(_("town"), max_length=80, blank=True)
    about = models.TextField(_("about"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == HirerKind.BUSINESS and self.business_name:
            return self.business_name
        return self.user.full_name


class SavedWorker(models.Model):
    """A worker a hirer bookmarked to hire again or contact later."""

    hirer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_workers")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["hirer", "worker"], name="one_save_per_hirer_worker")]

    def __str__(self) -> str:
        return f"{self.hirer_id} saved {self.worker_id}"
