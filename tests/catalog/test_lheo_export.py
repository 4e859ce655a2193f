import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from tests.catalog.conftest import DATA
from tests.catalog.factories import TrainingSessionFactory
from tests.factories import RegionFactory
from tremplin.catalog.lheo.generate import GeneratedPlace, write_lheo_file
from tremplin.catalog.lheo.importer import ACTION_FIELDS, SESSION_FIELDS, TRAINING_FIELDS
from tremplin.catalog.models import Training, TrainingAction, TrainingProvider, TrainingSession


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(settings.LHEO_XSD_PATH))


def assert_valid(path: Path) -> None:
    xsd = schema()
    assert xsd.validate(etree.parse(str(path))), xsd.error_log


def export(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("export_lheo", str(path), *args, stdout=out)
    return out.getvalue()


def load(path: Path) -> str:
    out = io.StringIO()
    call_command("import_lheo", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> dict:
    """The stored offer by identifier, with references by natural key (primary keys change)."""

    def swap(fields, replacements):
        return [replacements.get(name, name) for name in fields]

    trainings = Training.objects.values_list(
        "external_id",
        *swap(TRAINING_FIELDS, {"provider_id": "provider__siret", "certification_id": "certification__code"}),
    )
    actions = TrainingAction.objects.values_list(
        "external_id",
        *swap(ACTION_FIELDS, {"training_id": "training__external_id", "cnam_site_id": "cnam_site__code"}),
    )
    sessions = TrainingSession.objects.values_list(
        "external_id", *swap(SESSION_FIELDS, {"action_id": "action__external_id"})
    )
    providers = TrainingProvider.objects.values_list(
        "siret", "name", "legal_name", "activity_number", "address", "postal_code", "city", "email", "phone",
        "website", "is_cnam",
    )  # fmt: skip
    return {
        "trainings": {row[0]: row[1:] for row in trainings},
        "actions": {row[0]: row[1:] for row in actions},
        "sessions": {row[0]: row[1:] for row in sessions},
        "providers": {row[0]: row[1:] for row in providers},
    }


def test_export_validates_against_the_xsd_and_round_trips(occitanie, tmp_path):
    load(DATA / "offre-2.3.xml")
    load(DATA / "offre-2.2.xml")
    before = snapshot()

    out = tmp_path / "export.xml"
    assert "3 formations, 3 actions, 5 sessions" in export(out)
    assert_valid(out)

    # Import of the export over the same catalogue: nothing changes.
    assert "0 créés, 0 mis à jour, 11 inchangés" in load(out)
    # Import of the export into an empty catalogue: the same catalogue.
    TrainingSession.objects.all().delete()
    TrainingAction.objects.all().delete()
    Training.objects.all().delete()
    TrainingProvider.objects.all().delete()
    load(out)
    assert snapshot() == before

    # And exporting again gives the same file.
    again = tmp_path / "again.xml"
    export(again)
    assert again.read_bytes() == out.read_bytes()


def test_export_carries_what_lheo_has_no_element_for(occitanie, tmp_path):
    session = TrainingSessionFactory(
        action__cnam_site=occitanie["site_rodez"],
        action__training__min_age_without_level=20,
        action__training__entry_level=4,
        action__training__entry_level_required=True,
        places_available=7,
    )
    out = tmp_path / "export.xml"
    export(out)
    assert_valid(out)
    text = out.read_text()
    assert '<extra info="age-minimum-sans-niveau">20</extra>' in text
    assert '<extra info="site-cnam">CNAM-RODEZ</extra>' in text
    assert '<extra info="places-disponibles">7</extra>' in text
    assert "<code-niveau-entree>14</code-niveau-entree>" in text

    session.places_available = None
    session.save()
    session.action.training.min_age_without_level = None
    session.action.training.save()
    load(out)
    session.refresh_from_db()
    assert session.places_available == 7
    assert session.action.training.min_age_without_level == 20


def test_export_by_region_and_cnam_only(occitanie, tmp_path):
    RegionFactory(code="11", name="Île-de-France")
    load(DATA / "offre-2.3.xml")
    out = tmp_path / "export.xml"
    assert "2 formations" in export(out, "--region", "76")
    assert "0 formations, 0 actions, 0 sessions" in export(out, "--region", "11")
    assert_valid_or_empty = out.read_text()
    assert "<offres/>" in assert_valid_or_empty or "<offres></offres>" in assert_valid_or_empty
    assert "1 formations" in export(out, "--cnam-only")
    assert "OCC-F-0001" in out.read_text() and "AUT-F-0001" not in out.read_text()


def test_export_refuses_an_unknown_region(tmp_path):
    with pytest.raises(CommandError, match="Région inconnue « 99 »"):
        export(tmp_path / "x.xml", "--region", "99")


def test_generated_benchmark_file_is_valid_lheo_and_imports(occitanie, tmp_path):
    path = tmp_path / "generated.xml"
    places = [GeneratedPlace("12202", "12000", "Rodez"), GeneratedPlace("12145", "12100", "Millau")]
    written = write_lheo_file(path, sessions=40, places=places, providers=4)
    assert written == {"formations": 4, "actions": 8, "sessions": 40}
    assert_valid(path)
    out = load(path)
    assert "sessions : 40 créées" in out
    # Half the providers are the Cnam: their actions are attached to the Cnam site of the town.
    assert TrainingAction.objects.filter(cnam_site__isnull=False).count() == 4
