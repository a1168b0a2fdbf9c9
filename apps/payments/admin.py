"""Operators' views of money. Ledger rows are read-only; every money action names the staff member."""

from django.contrib import admin, messages
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError
from apps.common.money import format_ghs
from apps.payments import payouts, reconciliation, services, webhooks
from apps.payments.ledger import normal_balance
from apps.payments.models import (
    Collection,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PaymentFlag,
    Payout,
    PayoutMethod,
    ReconciliationItem,
    ReconciliationRun,
    Refund,
    WebhookEvent,
)
from apps.payments.providers.base import ProviderError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the services write: staff can look, never add, edit or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run_each(modeladmin, request, rows, work, done_message):
    done = 0
    for row in rows:
        try:
            work(row)
            done += 1
        except (DomainError, ProviderError) as error:
            messages.error(request, f"{row}: {getattr(error, 'message', error)}")
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "balance", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_sum=Sum("entries__amount")).select_related("user")

    @admin.display(description=_("balance"))
    def balance(self, account):
        return format_ghs(normal_balance(account.kind, account.entry_sum or 0))


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "description", "actor", "provider_reference"]
    list_filter = ["kind", "provider"]
    search_fields = ["idempotency_key", "provider_reference", "public_id"]
    inlines = [LedgerEntryInline]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "amount", "transaction"]
    list_select_related = ["account", "transaction"]
    search_fields = ["account__code"]


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "amount", "network", "payer", "created_at", "receipt_number"]
    list_filter = ["status", "provider", "network"]
    search_fields = ["reference", "provider_reference", "receipt_number"]
    actions = ["refresh_from_provider"]
    list_select_related = ["payer"]

    @admin.action(description=_("Ask the provider for the latest state"))
    def refresh_from_provider(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda row: services.collection_refresh(collection=row, source="admin"),
            "%(count)d refreshed.",
        )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "amount", "worker", "requested_by", "created_at", "completed_at"]
    list_filter = ["status", "provider"]
    search_fields = ["reference", "provider_reference"]
    actions = ["retry_payouts", "refresh_payouts"]
    list_select_related = ["worker", "requested_by"]

    @admin.action(description=_("Retry failed or reversed payouts (new reference)"))
    def retry_payouts(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda row: payouts.payout_retry(payout=row, actor=request.user),
            "%(count)d payouts queued again.",
        )

    @admin.action(description=_("Ask the provider for the latest state"))
    def refresh_payouts(self, request, queryset):
        _run_each(self, request, queryset, lambda row: payouts.payout_refresh(payout=row), "%(count)d refreshed.")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "amount", "hirer", "decided_by", "created_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["reference", "provider_reference"]
    actions = ["retry_refunds"]

    @admin.action(description=_("Retry failed refunds"))
    def retry_refunds(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda row: payouts.refund_retry(refund=row, actor=request.user),
            "%(count)d refunds queued again.",
        )


@admin.register(PayoutMethod)
class PayoutMethodAdmin(ReadOnlyAdmin):
    list_display = ["worker", "network", "account_name", "is_active", "verified_at"]
    list_filter = ["network", "is_active"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_type", "reference", "status", "delivery_count", "detail"]
    list_filter = ["provider", "event_type", "status"]
    search_fields = ["reference", "provider_reference"]
    actions = ["process_again"]

    @admin.action(description=_("Process again (re-reads the provider)"))
    def process_again(self, request, queryset):
        def work(row):
            WebhookEvent.objects.filter(pk=row.pk).update(status="received")
            webhooks.webhook_process(event_id=row.pk)

        _run_each(self, request, queryset, work, "%(count)d processed.")


@admin.register(PaymentFlag)
class PaymentFlagAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "detail", "resolved_at", "resolved_by"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "kind",
        "collection",
        "payout",
        "refund",
        "detail",
        "data",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    fields = [*readonly_fields, "resolution_note"]
    actions = ["mark_resolved"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Mark as resolved"))
    def mark_resolved(self, request, queryset):
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=request.user)
        self.message_user(request, _("%(count)d flags resolved.") % {"count": count}, messages.SUCCESS)


class ReconciliationItemInline(admin.TabularInline):
    model = ReconciliationItem
    fields = ["kind", "reference", "our_amount", "provider_amount", "detail", "resolved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "provider", "status", "rows_checked", "mismatches", "error"]
    list_filter = ["provider", "status"]
    inlines = [ReconciliationItemInline]
    actions = ["run_again"]

    @admin.action(description=_("Run a reconciliation for these providers now"))
    def run_again(self, request, queryset):
        providers = set(queryset.values_list("provider", flat=True))
        _run_each(
            self, request, providers, lambda name: reconciliation.reconcile(provider_name=name), "%(count)d runs done."
        )


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyAdmin):
    list_display = ["run", "kind", "reference", "our_amount", "provider_amount", "detail", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["reference"]
