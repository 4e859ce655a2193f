"""A small Occitanie network shared by the referrals and API tests: a regional centre (Toulouse) and
two sites (Rodez, Millau), two missions locales, a steering body, one member per role, a consenting
young person and two open sessions at the Rodez site. Conftests import the fixtures they use."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    CnamSiteFactory,
    CommuneFactory,
    DepartmentFactory,
    MissionLocaleFactory,
    RegionFactory,
    SteeringBodyFactory,
    member,
)
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role


@pytest.fixture
def net():
    return build_net()


def build_net() -> dict:
    """The network itself, for a fixture of another scope (the access matrix builds it once)."""
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
    site = CnamSiteFactory(
        code="CNAM-RODEZ",
        name="Cnam Aveyron",
        parent=centre,
        commune=rodez,
        email="aveyron@cnam.example.fr",
        phone="05 65 00 00 00",
        address="1 place du Bourg",
    )
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
