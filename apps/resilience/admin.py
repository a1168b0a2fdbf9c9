"""Operator controls: circuit breakers, the outbox and the dead-letter list."""

import logging

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.resilience.breakers import all_breakers, breaker
from apps.resilience.models import CircuitBreakerPanel, DeadLetter, OutboxMessage
from apps.resilience.outbox import retry_dead_letter

logger = logging.getLogger(__name__)

BREAKER_ACTIONS = {
    "open": ("force_open", gettext_lazy("forced open")),
    "close": ("force_close", gettext_lazy("forced closed")),
    "reset": ("reset", gettext_lazy("reset")),
}


@admin.register(CircuitBreakerPanel)
class CircuitBreakerAdmin(admin.ModelAdmin):
    """Lists every breaker with its shared state and buttons to force or reset it."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            return self._apply(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Circuit breakers"),
            "breakers": [b.describe() for b in all_breakers()],
            "can_change": self.has_change_permission(request),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "resilience/admin/breakers.html", context)

    def _apply(self, request):
        if not self.has_change_permission(request):
            messages.error(request, _("You may not change circuit breakers."))
            return HttpResponseRedirect(request.path)
        name = request.POST.get("name", "").strip()
        action = BREAKER_ACTIONS.get(request.POST.get("action", ""))
        if not name or action is None:
            messages.error(request, _("Choose a breaker and an action."))
            return HttpResponseRedirect(request.path)
        method, label = action
        reason = _("%(verb)s by %(user)s in the admin") % {"verb": label, "user": request.user.get_username()}
        getattr(breaker(name), method)(reason=reason)
        logger.warning("Breaker %s %s from the admin", name, label, extra={"breaker": name, "user_id": request.user.pk})
        messages.success(request, _("Breaker %(name)s %(verb)s.") % {"name": name, "verb": label})
        return HttpResponseRedirect(reverse("admin:resilience_circuitbreakerpanel_changelist"))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "task_name", "status", "created_at", "relay_attempts", "relayed_at", "done_at")
    list_filter = ("status", "task_name")
    search_fields = ("task_name", "dedupe_key")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("id", "task_name", "attempts", "created_at", "retried_at", "short_error")
    list_filter = ("task_name",)
    search_fields = ("task_name", "error")
    readonly_fields = [f.name for f in DeadLetter._meta.fields]
    actions = ["retry_selected"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("error"))
    def short_error(self, letter: DeadLetter) -> str:
        return letter.error[:120]

    @admin.action(description=gettext_lazy("Queue the selected tasks again"), permissions=["change"])
    def retry_selected(self, request, queryset):
        count = 0
        for letter in queryset:
            retry_dead_letter(letter)
            count += 1
        self.message_user(request, _("%(count)d task(s) queued again.") % {"count": count}, messages.SUCCESS)
