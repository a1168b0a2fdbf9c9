"""Incidents in the admin, read-only: they are written by the status evaluator, not by hand."""

from django.contrib import admin

from apps.monitoring.models import Incident, IncidentEvent, SubjectState


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "status", "detail"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["subject", "severity", "status", "started_at", "resolved_at", "flaps"]
    list_filter = ["status", "severity"]
    search_fields = ["subject", "summary"]
    date_hierarchy = "started_at"
    inlines = [IncidentEventInline]
    readonly_fields = [field.name for field in Incident._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SubjectState)
class SubjectStateAdmin(admin.ModelAdmin):
    list_display = ["subject", "status", "since", "checked_at"]
    list_filter = ["status"]
    readonly_fields = ["subject", "status", "since", "detail", "checked_at"]

    def has_add_permission(self, request):
        return False
