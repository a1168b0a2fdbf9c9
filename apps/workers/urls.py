from django.urls import path

from apps.workers import views

app_name = "workers"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.profile_edit, name="edit"),
    path("me/ghana-card/", views.ghana_card, name="ghana_card"),
    path("me/portfolio/", views.portfolio, name="portfolio"),
    path("me/portfolio/<id:item_id>/delete/", views.portfolio_delete, name="portfolio_delete"),
    path("<id:user_id>/", views.profile, name="profile"),
]
