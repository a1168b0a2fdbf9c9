from django.contrib import admin
from django.utils.translation import gettext as _

from apps.notifications.models import Delivery, Notification
from apps.notifications.services import delivery_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "event", "count", "in_app", "read_at", "updated_at"]
    list_filter = ["event", "in_app"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "status", "attempts", "user", "created_at", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notification", "user"]
    readonly_fields = ["last_error", "provider_reference"]
    actions = ["retry_failed"]

    @admin.action(description=_("Send the selected failed deliveries again"))
    def retry_failed(self, request, queryset):
        retried = sum(1 for delivery in queryset if delivery_retry(delivery=delivery))
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": retried})
