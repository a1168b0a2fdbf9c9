from django.contrib import admin

from apps.hirers.models import HirerProfile, SavedWorker


@admin.register(HirerProfile)
class HirerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "business_name", "region", "town", "updated_at"]
    list_filter = ["kind", "region"]
    search_fields = ["user__email", "user__full_name", "business_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(SavedWorker)
class SavedWorkerAdmin(admin.ModelAdmin):
    list_display = ["hirer", "worker", "created_at"]
    raw_id_fields = ["hirer", "worker"]
    list_select_related = ["hirer", "worker"]
