from django.urls import path

from apps.notifications import api

urlpatterns = [
    path("", api.notification_list, name="notification-list"),
    path("unread-count/", api.unread_count, name="notification-unread-count"),
    path("<id:notification_id>/read/", api.notification_read, name="notification-read"),
    path("read-all/", api.notification_read_all, name="notification-read-all"),
    path("preferences/", api.preferences, name="notification-preferences"),
]
