"""The REST API, version 1. Each app contributes its routes from its own ``api.py``."""

from django.urls import path

from tremplin.territories import api as territories_api

urlpatterns = [
    path("communes/", territories_api.commune_lookup, name="api-communes"),
]
