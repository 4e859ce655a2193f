from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("tremplin.pages.urls")),
    path("compte/", include("tremplin.accounts.urls")),
    path("reseau/", include("tremplin.network.urls")),
    path("formations/", include("tremplin.catalog.urls")),
    path("jeunes/", include("tremplin.youth.urls")),
    path("orientations/", include("tremplin.referrals.urls")),
    path("pilotage/", include("tremplin.stats.urls")),
    path("acces-api/", include("tremplin.api.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
