from django.urls import path

from apps.workers import api

urlpatterns = [
    path("", api.WorkerDirectoryApi.as_view(), name="workers-directory"),
    path("me/", api.OwnProfileApi.as_view(), name="workers-me"),
    path("me/ghana-card/", api.GhanaCardApi.as_view(), name="workers-ghana-card"),
    path("me/portfolio/", api.PortfolioApi.as_view(), name="workers-portfolio"),
    path("me/portfolio/<id:item_id>/", api.PortfolioItemApi.as_view(), name="workers-portfolio-item"),
    path("<id:user_id>/", api.WorkerDetailApi.as_view(), name="workers-detail"),
]
