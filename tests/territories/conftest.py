import io

import pytest
from django.core.management import call_command

from tremplin.territories import lookup
from tremplin.territories.models import Commune, Department, Region

# Enough variety for the lookup: big cities and villages, arrondissements (13, 69, 75), articles
# (17 La Rochelle, 76 Le Havre, 60 Aux Marais, 66 Los Masos, 94 L'Haÿ-les-Roses), Corsica, La Réunion.
SUBSET = ["12", "13", "17", "2A", "42", "60", "66", "69", "75", "76", "93", "94", "974"]


@pytest.fixture(autouse=True)
def _fresh_commune_index():
    """Each test has its own database state; the per-process index must not outlive it."""
    lookup.invalidate()
    yield
    lookup.invalidate()


@pytest.fixture(scope="module")
def communes_subset(django_db_setup, django_db_blocker):
    """The communes of SUBSET, imported once per module and committed (tests roll back their own
    changes only); what it added is removed when the module is done."""
    with django_db_blocker.unblock():
        before = {
            "communes": set(Commune.objects.values_list("pk", flat=True)),
            "departments": set(Department.objects.values_list("pk", flat=True)),
            "regions": set(Region.objects.values_list("pk", flat=True)),  # migrations create them
        }
        call_command("import_communes", "--departments", *SUBSET, stdout=io.StringIO())
        yield
        Commune.objects.exclude(pk__in=before["communes"]).delete()
        Department.objects.exclude(pk__in=before["departments"]).delete()
        Region.objects.exclude(pk__in=before["regions"]).delete()
    lookup.invalidate()
