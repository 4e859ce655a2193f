"""The small world every journey runs in: Occitanie, the mission locale of Rodez, the Cnam regional
centre of Toulouse and its Rodez site, a tiny ROME referential, Cnam sessions near Rodez, and one
member per role (each logs in through the login form with :data:`PASSWORD`)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tests.catalog.factories import TrainingSessionFactory
from tests.factories import (
    CnamSiteFactory,
    MissionLocaleFactory,
    RegionFactory,
    SteeringBodyFactory,
    member,
)
from tests.youth.factories import commune, rome_referential
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import QualificationLevel, TeachingMode
from tremplin.catalog.services import catalog_changed

PASSWORD = "motdepasse-de-test"  # UserFactory's


@dataclass
class World:
    rodez: object
    millau: object
    mission_locale: object
    site: object
    centre: object
    counsellor: object
    referent: object
    steering: object
    web_session: object
    payroll_session: object
    distance_session: object


def build_world() -> World:
    region = RegionFactory(code="76", name="Occitanie")
    rodez = commune("12202", "Rodez", 44.3506, 2.5750, postal_codes="12000", population=24000)
    millau = commune("12145", "Millau", 44.0983, 3.0780, postal_codes="12100", population=22000)
    commune("12300", "Villefranche-de-Rouergue", 44.3517, 2.0342, postal_codes="12200", population=12000)
    toulouse = commune(
        "31555", "Toulouse", 43.6045, 1.4440, department="31", postal_codes="31000", population=500000
    )
    for department in (rodez.department, toulouse.department):
        department.region = region
        department.save()
    rome_referential()
    centre = CnamSiteFactory(code="CNAM-OCC", name="Cnam Occitanie", regional_centre=True, commune=toulouse)
    site = CnamSiteFactory(
        code="CNAM-RODEZ",
        name="Cnam Aveyron – Rodez",
        parent=centre,
        commune=rodez,
        email="aveyron@cnam.example.fr",
        phone="05 65 00 00 00",
        address="1 place du Bourg",
    )
    mission_locale = MissionLocaleFactory(
        code="12202S00", name="Mission locale du Grand Rodez", commune=rodez
    )
    today = timezone.localdate()
    web = course(
        site,
        "Développeur web et web mobile",
        rome="M1805",
        objectives="Concevoir et développer des applications web.",
        entry_level=QualificationLevel.LEVEL_4,
        start=today + datetime.timedelta(days=21),
    )
    payroll = course(site, "Gestionnaire de paie", rome="M1203", start=today + datetime.timedelta(days=45))
    distance = course(
        centre,
        "Pâtisserie : bases et techniques",
        rome="D1104",
        mode=TeachingMode.DISTANCE,
        start=today + datetime.timedelta(days=60),
    )
    catalog_changed()
    return World(
        rodez=rodez,
        millau=millau,
        mission_locale=mission_locale,
        site=site,
        centre=centre,
        counsellor=member(
            Role.COUNSELLOR,
            mission_locale,
            first_name="Camille",
            last_name="Durand",
            email="camille@ml.example.fr",
        ),
        referent=member(
            Role.CNAM_REFERENT, site, first_name="Julien", last_name="Roux", email="julien@cnam.example.fr"
        ),
        steering=member(
            Role.STEERING,
            SteeringBodyFactory(code="ETAT-TEST", name="État (test)"),
            first_name="Thomas",
            last_name="Petit",
            email="pilotage@etat.example.fr",
        ),
        web_session=web,
        payroll_session=payroll,
        distance_session=distance,
    )


def course(site, title, *, rome, start, mode=TeachingMode.ON_SITE, objectives="", entry_level=None):
    """One Cnam training with one action at ``site`` (located there) and one open session."""
    return TrainingSessionFactory(
        start_date=start,
        action__cnam_site=site,
        action__teaching_mode=mode,
        action__training__title=title,
        action__training__rome_codes=rome,
        action__training__objectives=objectives or f"Se former au métier : {title.lower()}.",
        action__training__entry_level=entry_level,
        action__training__provider__name="Conservatoire national des arts et métiers",
        action__training__provider__siret="19753471200017",
    )
