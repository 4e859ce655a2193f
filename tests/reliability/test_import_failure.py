"""An import that fails after it has written part of a file (a bug, a full disk, a lost connection)
leaves the previous data as it was: the whole import is one transaction."""

import datetime
import io

import pytest
from django.core.management import call_command

from bench.lheo_import import demo_places, prepare_database
from tests.reliability.test_import_kill import CATALOGUE, state
from tremplin.catalog.lheo.generate import write_lheo_file
from tremplin.catalog.lheo.importer import BATCH_SESSIONS, LheoImporter


def test_an_import_failing_after_its_first_batch_leaves_the_previous_offer_intact(tmp_path, monkeypatch):
    prepare_database()
    first = tmp_path / "offre-septembre.xml"
    write_lheo_file(first, sessions=100, places=demo_places(), seed=1)
    call_command("import_lheo", str(first), stdout=io.StringIO())
    before = state(CATALOGUE)

    real_flush = LheoImporter.flush
    flushed = []

    def flush_then_fail(importer, batch):
        real_flush(importer, batch)
        flushed.append(len(batch))
        if len(flushed) == 2:
            raise OSError("No space left on device")

    monkeypatch.setattr(LheoImporter, "flush", flush_then_fail)
    second = tmp_path / "offre-janvier.xml"
    write_lheo_file(
        second, sessions=3 * BATCH_SESSIONS, places=demo_places(), seed=2, start=datetime.date(2027, 1, 4)
    )
    with pytest.raises(OSError):
        call_command("import_lheo", str(second), stdout=io.StringIO())

    assert len(flushed) == 2  # two batches were written before the failure
    assert state(CATALOGUE) == before
