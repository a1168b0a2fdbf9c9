"""Operators' view of jobs and applications: read and moderate, with status changes through services."""

import logging

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.common.errors import DomainError
from apps.jobs import services
from apps.jobs.models import Application, ApplicationEmail, Job, JobEvent

logger = logging.getLogger(__name__)


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "trade", "region", "town", "status", "hirer", "published_at"]
    list_filter = ["status", "trade", "region", "urgency"]
    search_fields = ["title", "description", "hirer__email", "hirer__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["hirer"]
    raw_id_fields = ["hirer"]
    # Status moves only through the services, so the state machine and its history hold.
    readonly_fields = ["status", "created_at", "updated_at", "published_at"]
    inlines = [JobEventInline]
    actions = ["cancel_jobs"]

    @admin.action(description=_("Cancel the selected jobs (open applications are declined)"))
    def cancel_jobs(self, request, queryset):
        cancelled, refused = 0, []
        for job in queryset:
            try:
                services.job_cancel(job=job, actor=request.user, reason="Cancelled by an operator.")
            except DomainError as error:
                refused.append(f"{job.title}: {error.message}")
            else:
                cancelled += 1
        if cancelled:
            message = ngettext("Cancelled %(count)d job.", "Cancelled %(count)d jobs.", cancelled)
            self.message_user(request, message % {"count": cancelled}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["job", "worker", "proposed_amount", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["job__title", "worker__email", "worker__full_name"]
    list_select_related = ["job", "worker"]
    raw_id_fields = ["job", "worker"]
    readonly_fields = ["status", "created_at", "decided_at"]


@admin.register(ApplicationEmail)
class ApplicationEmailAdmin(admin.ModelAdmin):
    list_display = ["application", "kind", "recipient", "sent_at", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["application", "kind", "recipient", "sent_at", "created_at"]
