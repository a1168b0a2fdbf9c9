from django.urls import path

from apps.modules import views

app_name = "modules"

urlpatterns = [
    path("<str:module_name>/<str:fragment_name>/", views.fragment_view, name="fragment"),
]
