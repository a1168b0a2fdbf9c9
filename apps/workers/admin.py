"""Operator screens for worker profiles: Ghana Card review and portfolio moderation.

Both go through the services, so the admin obeys the same rules and logging as the site.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.common.errors import DomainError
from apps.workers import services
from apps.workers.models import GhanaCardState, PortfolioItem, WorkerProfile, WorkerTrade


class WorkerTradeInline(admin.TabularInline):
    model = WorkerTrade
    extra = 0
    can_delete = False
    readonly_fields = ["trade"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerProfile)
class WorkerProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "primary_trade",
        "region",
        "town",
        "availability",
        "ghana_card_state",
        "rating_average",
        "rating_count",
    ]
    list_filter = ["ghana_card_state", "availability", "primary_trade", "region", "certification_level"]
    search_fields = ["user__email", "user__full_name", "town", "headline"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [WorkerTradeInline]
    # Ratings change only through the rating services, and the card state only through review.
    readonly_fields = [
        "ghana_card_state",
        "ghana_card_submitted_at",
        "ghana_card_reviewed_at",
        "rating_total",
        "rating_count",
        "rating_average",
        "created_at",
        "updated_at",
    ]
    actions = ["verify_ghana_cards", "reject_ghana_cards"]

    @admin.action(description=_("Verify the selected pending Ghana Cards"))
    def verify_ghana_cards(self, request, queryset):
        self._review(request, queryset, approve=True)

    @admin.action(description=_("Reject the selected pending Ghana Cards"))
    def reject_ghana_cards(self, request, queryset):
        self._review(request, queryset, approve=False)

    def _review(self, request, queryset, *, approve: bool) -> None:
        reviewed = 0
        for profile in queryset.filter(ghana_card_state=GhanaCardState.PENDING).select_related("user"):
            try:
                services.ghana_card_review(reviewer=request.user, worker_user=profile.user, approve=approve)
            except (DomainError, ValidationError) as error:
                self.message_user(request, f"{profile.user}: {error}", messages.ERROR)
            else:
                reviewed += 1
        skipped = queryset.count() - reviewed
        self.message_user(
            request,
            ngettext("%(count)d Ghana Card reviewed.", "%(count)d Ghana Cards reviewed.", reviewed)
            % {"count": reviewed},
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d profile was skipped because its card is not pending.",
                    "%(count)d profiles were skipped because their cards are not pending.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(PortfolioItem)
class PortfolioItemAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "caption", "width", "height", "created_at"]
    search_fields = ["profile__user__email", "profile__user__full_name", "caption"]
    list_select_related = ["profile__user"]
    readonly_fields = ["profile", "image", "width", "height", "created_at"]
    actions = ["remove_photos"]

    def get_actions(self, request):
        # The stock bulk delete would leave the files on disk; remove_photos deletes both.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Remove the selected photos"))
    def remove_photos(self, request, queryset):
        item_ids = list(queryset.values_list("pk", flat=True))
        for item_id in item_ids:
            services.portfolio_item_remove(moderator=request.user, item_id=item_id)
        self.message_user(
            request,
            ngettext("%(count)d photo removed.", "%(count)d photos removed.", len(item_ids)) % {"count": len(item_ids)},
        )
