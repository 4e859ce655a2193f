"""The site's URLs plus the API access pages, for the tests of those pages until config/urls.py
includes them (then this module and the ``urls`` markers that name it can go)."""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *[p for p in site_urlpatterns if getattr(p, "namespace", None) != "api"],
    path("acces-api/", include("tremplin.api.urls")),
]
