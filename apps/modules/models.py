"""Shared, persistent switches: module maintenance and injected faults.

Both tables are read through a one-second in-process snapshot (apps.modules.switches),
so they cost no query per request and every process reads a change within a second.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModuleState(models.Model):
    """Whether a module is serving (on) or switched off for maintenance."""

    module = models.CharField(_("module"), max_length=64, primary_key=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("module maintenance switch")
        verbose_name_plural = _("module maintenance switches")
        ordering = ["module"]

    def __str__(self) -> str:
        return f"{self.module}: {'on' if self.enabled else 'off'}"


class FaultMode(models.TextChoices):
    RAISE = "raise", _("raise an error")
    SLOW = "slow", _("slow down by a delay in ms")
    HANG = "hang", _("hang until the deadline")
    FAIL_RATE = "fail-rate", _("raise on a share of calls")


class FaultRule(models.Model):
    """A fault injected into one target (a module or an outside dependency) until cleared."""

    target = models.CharField(_("target"), max_length=64, primary_key=True)
    mode = models.CharField(_("mode"), max_length=16, choices=FaultMode.choices)
    # Milliseconds for "slow", a probability between 0 and 1 for "fail-rate", unused otherwise.
    amount = models.FloatField(_("amount"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("injected fault")
        verbose_name_plural = _("injected faults")
        ordering = ["target"]

    def __str__(self) -> str:
        return f"{self.target}: {self.spec}"

    @property
    def spec(self) -> str:
        """The mode as the faults command writes it: raise, hang, slow=250 or fail-rate=0.3."""
        if self.mode == FaultMode.SLOW:
            return f"slow={int(self.amount or 0)}"
        if self.mode == FaultMode.FAIL_RATE:
            return f"fail-rate={self.amount:g}"
        return self.mode
