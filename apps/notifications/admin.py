from django.contrib import admin

from apps.notifications.models import Delivery, Notification


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
