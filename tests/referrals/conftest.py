"""A small network: Occitanie with a regional centre (Toulouse) and two sites (Rodez, Millau), the
mission locale of Rodez, one member per role, a consenting young person and open sessions."""

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
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.SITE_URL = "https://tremplin.example.fr"
    settings.REFERRAL_REMINDER_DAYS = 5
    settings.REFERRAL_ESCALATION_DAYS = 10
    settings.REFERRAL_EXPIRY_DAYS = 30
    settings.REFERRAL_LINK_MAX_AGE_DAYS = 30


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
    return {
        "region": region,
        "rodez": rodez,
        "millau": millau,
        "centre": centre,
        "site": site,
        "other_site": other_site,
        "ml": ml,
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
def other_referent(net):
    return member(
        Role.CNAM_REFERENT,
        net["other_site"],
        first_name="Inès",
        last_name="Morel",
        email="ines@cnam.example.fr",
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
def steering():
    return member(Role.STEERING, SteeringBodyFactory(code="ETAT-TEST"), email="pilotage@example.fr")


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
def other_session(net):
    return cnam_session(
        net["site"], title="Gestion de la paie", start=timezone.localdate() + datetime.timedelta(days=45)
    )


@pytest.fixture
def referral(person, session, counsellor, referent):
    """A referral just sent by the counsellor to the Rodez site (whose referent exists)."""
    return ReferralFactory(young_person=person, session=session, sender=counsellor)
