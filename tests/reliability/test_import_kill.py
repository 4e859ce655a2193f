"""An import killed in the middle (SIGKILL: no handler runs, nothing is rolled back by the client)
leaves the data of the previous import exactly as it was, and a rerun then completes.

Each import runs as ``manage.py`` in a subprocess on the test database (see shared_database.py), and
is killed only once it has been seen writing uncommitted rows to disk."""

import datetime
import io

import pytest
from django.core.management import call_command

from bench.lheo_import import demo_places, prepare_database
from tremplin.catalog.lheo.generate import write_lheo_file
from tremplin.catalog.models import (
    CatalogImport,
    CatalogVersion,
    Training,
    TrainingAction,
    TrainingProvider,
    TrainingSession,
)
from tremplin.territories.models import Commune, Department, Region

pytestmark = pytest.mark.slow

# Large enough for the import to take seconds, so that it is caught while writing.
LARGE_FILE_SESSIONS = 30_000
CATALOGUE = (TrainingProvider, Training, TrainingAction, TrainingSession, CatalogImport, CatalogVersion)
TERRITORIES = (Region, Department, Commune)


def state(models) -> dict[str, list[dict]]:
    """Every row of these models, every field: what a user could notice had changed."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_killed_lheo_import_leaves_the_previous_offer_intact(shared_db, tmp_path):
    prepare_database()
    first = tmp_path / "offre-septembre.xml"
    write_lheo_file(first, sessions=200, places=demo_places(), seed=1)
    call_command("import_lheo", str(first), stdout=io.StringIO())
    before = state(CATALOGUE)
    assert len(before["TrainingSession"]) == 200

    # The next offer renumbers nothing: its first formations are those of the first file, with other
    # dates, so the killed run was updating existing rows as well as adding new ones.
    large = tmp_path / "offre-janvier.xml"
    written = write_lheo_file(
        large, sessions=LARGE_FILE_SESSIONS, places=demo_places(), seed=2, start=datetime.date(2027, 1, 4)
    )
    shared_db.push()
    before_import = shared_db.disk_state(CATALOGUE)
    running = shared_db.start("import_lheo", str(large))
    shared_db.wait_for_writes(running, CATALOGUE, before_import)
    assert running.kill() == -9, running.output()
    shared_db.wait_for_backend_gone()
    shared_db.pull()

    assert state(CATALOGUE) == before

    rerun = shared_db.manage("import_lheo", str(large))
    assert rerun.returncode == 0, rerun.stderr
    shared_db.pull()
    assert TrainingSession.objects.count() == written["sessions"]
    first_session = TrainingSession.objects.get(external_id="S0000000-0-0")
    assert first_session.start_date == datetime.date(2027, 1, 4)
    assert CatalogImport.objects.count() == 2


def test_killed_communes_import_leaves_the_previous_communes_intact(shared_db):
    call_command("import_communes", "--departments", "12", stdout=io.StringIO(), stderr=io.StringIO())
    before = state(TERRITORIES)
    aveyron = len(before["Commune"])
    assert aveyron > 200
    assert {c["department_id"] for c in before["Commune"]} == {"12"}

    shared_db.push()
    before_import = shared_db.disk_state(TERRITORIES)
    running = shared_db.start("import_communes")
    shared_db.wait_for_writes(running, TERRITORIES, before_import)
    assert running.kill() == -9, running.output()
    shared_db.wait_for_backend_gone()
    shared_db.pull()

    assert state(TERRITORIES) == before

    rerun = shared_db.manage("import_communes")
    assert rerun.returncode == 0, rerun.stderr
    shared_db.pull()
    assert Commune.objects.count() > 30_000
    assert Commune.objects.filter(department_id="12").count() == aveyron
