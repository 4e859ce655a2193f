import io

from django.conf import settings
from lxml import etree

from tests.factories import CnamSiteFactory
from tremplin.catalog import demo
from tremplin.catalog.enums import TeachingMode
from tremplin.catalog.lheo.writer import export_offer
from tremplin.catalog.models import Certification, RomeFiche, Training, TrainingAction, TrainingSession
from tremplin.catalog.services import catalog_version


def demo_sites(occitanie):
    centre = CnamSiteFactory(code="DEMO-CR", name="Cnam Occitanie", regional_centre=True, is_demo=True,
                             commune=occitanie["toulouse"], address="1 rue Vauquelin")  # fmt: skip
    for code, commune in (("DEMO-RODEZ", "rodez"), ("DEMO-MILLAU", "millau")):
        CnamSiteFactory(
            code=code, name=f"Cnam {commune}", parent=centre, is_demo=True, commune=occitanie[commune]
        )
    return centre


def snapshot():
    return (
        sorted(Training.objects.values_list("external_id", "title", "certification__code")),
        sorted(TrainingAction.objects.values_list("external_id", "teaching_mode", "cnam_site__code")),
        sorted(TrainingSession.objects.values_list("external_id", "start_date", "registration_state")),
    )


def test_demo_offer_is_created_at_the_demo_sites_and_reloads_in_place(occitanie, tmp_path, settings):
    settings.SHARED_DATA_DIR = tmp_path  # no shared data: the hand-made certifications only
    demo_sites(occitanie)
    out = io.StringIO()
    demo.load(stdout=out)
    assert "Offre de démonstration : 10 formations, 10 actions" in out.getvalue()
    first = snapshot()
    version = catalog_version()
    demo.load(stdout=io.StringIO())
    assert snapshot() == first
    assert catalog_version() > version

    trainings = Training.objects.select_related("provider")
    assert all(t.provider.is_demo and t.provider.is_cnam for t in trainings)
    assert {a.cnam_site.code for a in TrainingAction.objects.select_related("cnam_site")} == {
        "DEMO-CR",
        "DEMO-RODEZ",
        "DEMO-MILLAU",
    }
    assert TrainingSession.objects.receivable().exists()
    certified = Training.objects.filter(certification__isnull=False).select_related("certification").first()
    assert certified.certification.is_cnam
    assert certified.exit_level == certified.certification.level
    # Existing (non-demo) sites get nothing.
    assert not TrainingAction.objects.filter(cnam_site__code__in=["CNAM-RODEZ", "CNAM-MILLAU"]).exists()


def test_demo_offer_has_distance_learning_and_exports_as_valid_lheo(occitanie, tmp_path, settings):
    settings.SHARED_DATA_DIR = tmp_path
    demo_sites(occitanie)
    for n in range(12):
        CnamSiteFactory(
            code=f"DEMO-{n}", parent=None, regional_centre=True, is_demo=True, commune=occitanie["rodez"]
        )
    demo.load(stdout=io.StringIO())
    modes = list(TrainingAction.objects.values_list("teaching_mode", flat=True))
    assert TeachingMode.DISTANCE in modes and TeachingMode.ON_SITE in modes
    out = tmp_path / "demo.xml"
    export_offer(out)
    xsd = etree.XMLSchema(etree.parse(str(settings.LHEO_XSD_PATH)))
    assert xsd.validate(etree.parse(str(out))), xsd.error_log


def test_demo_loads_the_rome_and_the_cnam_certifications_from_shared_data(occitanie):
    assert settings.SHARED_DATA_DIR.is_dir()
    demo_sites(occitanie)
    demo.load(stdout=io.StringIO())
    assert RomeFiche.objects.count() == 532
    assert Certification.objects.filter(is_cnam=True).count() == 397


def test_demo_without_demo_sites_does_nothing(occitanie):
    out = io.StringIO()
    demo.load(stdout=out)
    assert "aucun centre Cnam de démonstration" in out.getvalue()
    assert not Training.objects.exists()
