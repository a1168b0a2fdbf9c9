"""Operators' views of contracts and disputes; money decisions go through the services with the staff actor."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError
from apps.contracts import services
from apps.contracts.models import Contract, ContractEvent, Dispute, Milestone


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["position", "description", "amount", "status", "due_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ContractEvent
    fields = ["created_at", "actor", "kind", "milestone", "from_status", "to_status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "hirer", "worker", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "public_id"]
    readonly_fields = [f.name for f in Contract._meta.fields]
    inlines = [MilestoneInline, EventInline]
    list_select_related = ["hirer", "worker"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contract", "amount", "status", "delivered_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "description"]
    readonly_fields = [f.name for f in Milestone._meta.fields]
    actions = ["refund_in_full"]
    list_select_related = ["contract"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Refund the hirer in full (funded milestones)"))
    def refund_in_full(self, request, queryset):
        for milestone in queryset:
            try:
                services.milestone_refund(milestone=milestone, actor=request.user, note="Refunded from the admin.")
            except DomainError as error:
                messages.error(request, f"{milestone}: {error.message}")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["milestone", "opened_by", "opened_at", "resolution", "resolved_by", "resolve_link"]
    list_filter = ["resolution", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in Dispute._meta.fields]
    actions = ["release_to_worker", "refund_to_hirer"]
    list_select_related = ["milestone", "opened_by", "resolved_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("decide"))
    def resolve_link(self, dispute):
        if dispute.resolved_at:
            return "—"
        url = reverse("contracts:resolve", kwargs={"public_id": dispute.milestone.public_id})
        return format_html('<a href="{}">{}</a>', url, _("Release, refund or split"))

    def _resolve(self, request, queryset, resolution):
        for dispute in queryset.filter(resolved_at__isnull=True).select_related("milestone"):
            try:
                services.dispute_resolve(
                    milestone=dispute.milestone,
                    actor=request.user,
                    resolution=resolution,
                    note=f"{resolution} from the admin",
                )
            except DomainError as error:
                messages.error(request, f"{dispute}: {error.message}")

    @admin.action(description=_("Resolve: release everything to the worker"))
    def release_to_worker(self, request, queryset):
        self._resolve(request, queryset, "release")

    @admin.action(description=_("Resolve: refund everything to the hirer"))
    def refund_to_hirer(self, request, queryset):
        self._resolve(request, queryset, "refund")
