"""A small network for the API: Occitanie with a regional centre (Toulouse) and two sites (Rodez,
Millau), two missions locales, a token of each kind, a consenting young person and open sessions."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    CnamSiteFactory,
    CommuneFactory,
    DepartmentFactory,
    MissionLocaleFactory,
    RegionFactory,
    SteeringBodyFactory,
    member,
)
from tests.youth.factories import YoungPersonFactory, cnam_session, rome_referential
from tremplin.accounts.enums import Role
from tremplin.api.services import api_token_create


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.SITE_URL = "https://tremplin.example.fr"
    # Rate-limit counters live in the cache: no test inherits another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def net():
    region = RegionFactory(code="76", name="Occitanie")
    aveyron = DepartmentFactory(code="12", name="Aveyron", region=region)
    haute_garonne = DepartmentFactory(code="31", name="Haute-Garonne", region=region)
    rodez = CommuneFactory(
        insee_code="12202", name="Rodez", latitude=44.35, longitude=2.57, department=aveyron
    )
    millau = CommuneFactory(
        insee_code="12145", name="Millau", latitude=44.10, longitude=3.08, department=aveyron
    )
    toulouse = CommuneFactory(
        insee_code="31555", name="Toulouse", latitude=43.60, longitude=1.44, department=haute_garonne
    )
    centre = CnamSiteFactory(code="CNAM-OCC", name="Cnam Occitanie", regional_centre=True, commune=toulouse)
    site = CnamSiteFactory(code="CNAM-RODEZ", name="Cnam Aveyron", parent=centre, commune=rodez)
    other_site = CnamSiteFactory(code="CNAM-MILLAU", name="Cnam Millau", parent=centre, commune=millau)
    ml = MissionLocaleFactory(code="12202S00", name="Mission locale du Grand Rodez", commune=rodez)
    other_ml = MissionLocaleFactory(code="12145S00", name="Mission locale du Sud-Aveyron", commune=millau)
    steering = SteeringBodyFactory(code="ETAT-TEST", name="DGEFP")
    return {
        "region": region,
        "rodez": rodez,
        "millau": millau,
        "toulouse": toulouse,
        "centre": centre,
        "site": site,
        "other_site": other_site,
        "ml": ml,
        "other_ml": other_ml,
        "steering": steering,
    }


@pytest.fixture
def rome():
    rome_referential()


@pytest.fixture
def counsellor(net):
    return member(
        Role.COUNSELLOR, net["ml"], first_name="Camille", last_name="Durand", email="camille@ml.example.fr"
    )


@pytest.fixture
def manager(net):
    return member(
        Role.ML_MANAGER, net["ml"], first_name="Nadia", last_name="Benali", email="nadia@ml.example.fr"
    )


@pytest.fixture
def referent(net):
    return member(
        Role.CNAM_REFERENT, net["site"], first_name="Julien", last_name="Roux", email="julien@cnam.example.fr"
    )


@pytest.fixture
def regional(net):
    return member(
        Role.CNAM_REGIONAL,
        net["centre"],
        first_name="Sophie",
        last_name="Marchand",
        email="sophie@cnam.example.fr",
    )


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


@pytest.fixture
def person(net, counsellor):
    return YoungPersonFactory(
        first_name="Léa",
        last_name="Martin",
        email="lea.martin@example.org",
        mission_locale=net["ml"],
        counsellor=counsellor,
        home_commune=net["rodez"],
    )


@pytest.fixture
def session(net):
    return cnam_session(net["site"], title="Développeur web", rome="M1805")


@pytest.fixture
def later_session(net):
    return cnam_session(
        net["site"], title="Gestion de la paie", start=timezone.localdate() + datetime.timedelta(days=45)
    )


def problem_of(response) -> dict:
    """The problem+json body, after checking that it is one."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]
    return body


def fields_of(response) -> set:
    return {error["field"] for error in problem_of(response)["errors"]}
