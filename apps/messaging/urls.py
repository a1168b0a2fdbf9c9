from django.urls import path

from apps.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("start/", views.start, name="start"),
    path("<uuid:public_id>/", views.thread, name="thread"),
    path("<uuid:public_id>/after/", views.thread_after, name="after"),
    path("<uuid:public_id>/read/", views.thread_read, name="read"),
    path("<uuid:public_id>/attachments/<id:message_id>/", views.attachment, name="attachment"),
]
