"""A small network for the API: Occitanie with a regional centre (Toulouse) and two sites (Rodez,
Millau), two missions locales, a token of each kind, a consenting young person and open sessions."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.youth.factories import rome_referential
from tremplin.api.services import api_token_create


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.SITE_URL = "https://tremplin.example.fr"
    # Rate-limit counters live in the cache: no test inherits another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rome():
    rome_referential()


def _token(organisation, *, write=True, name="i-milo"):
    return api_token_create(organisation=organisation, name=name, can_write=write)[1]


@pytest.fixture
def tokens(net):
    """Raw tokens with the write scope, by organisation, and a read-only one of the mission locale."""
    return {
        "ml": _token(net["ml"]),
        "ml_read": _token(net["ml"], write=False, name="lecture"),
        "other_ml": _token(net["other_ml"]),
        "site": _token(net["site"], name="outil du centre"),
        "other_site": _token(net["other_site"], name="outil de Millau"),
        "centre": _token(net["centre"], name="outil régional"),
        "steering": _token(net["steering"], write=False, name="tableau de bord"),
    }


@pytest.fixture
def api():
    """``api(token)``: a client sending the token (none: anonymous)."""

    def _client(token=None):
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _client


def problem_of(response) -> dict:
    """The problem+json body, after checking that it is one."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]
    return body


def fields_of(response) -> set:
    return {error["field"] for error in problem_of(response)["errors"]}
