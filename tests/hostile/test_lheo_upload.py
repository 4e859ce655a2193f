"""The page "Importer une offre LHEO" (/formations/import/)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CnamSiteFactory, UserFactory
from tests.hostile import lheo
from tremplin.catalog.models import CatalogImport, Training, TrainingAction, TrainingProvider, TrainingSession

URL = reverse("catalog:lheo_upload")


def counts():
    return [
        model.objects.count()
        for model in (Training, TrainingAction, TrainingSession, TrainingProvider, CatalogImport)
    ]


def upload(client, data: bytes | str, name="offre.xml", content_type="application/xml", **extra):
    data = data.encode() if isinstance(data, str) else data
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type), **extra})


@pytest.fixture
def regional_client(login, regional):
    return login(regional)


@pytest.fixture
def elsewhere():
    """A Cnam site of another region (Auvergne-Rhône-Alpes)."""
    return CnamSiteFactory(code="CNAM-LYON", parent=CnamSiteFactory(code="CNAM-ARA", regional_centre=True))


def test_regional_admin_imports_an_offer_of_their_region_and_reads_a_summary(regional_client, net):
    response = upload(regional_client, lheo.lheo(lheo.formation()))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Import de offre.xml terminé (LHEO 2.3)" in page
    assert "Formations : 1 créées, 0 mises à jour, 0 inchangées, 0 ignorées" in page
    assert "Sessions : 1 créées" in page
    action = TrainingAction.objects.get()
    assert action.cnam_site == net["site"]

    page = upload(regional_client, lheo.lheo(lheo.formation())).content.decode()
    assert "Formations : 0 créées, 0 mises à jour, 1 inchangées" in page


def test_a_file_too_large_for_memory_is_imported_from_its_temporary_file(regional_client, net, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # the upload is written to disk as it arrives
    page = upload(regional_client, lheo.lheo(lheo.formation())).content.decode()
    assert "Sessions : 1 créées" in page


def test_invalid_records_are_listed_and_nothing_is_imported_unless_asked(regional_client, net):
    good = lheo.formation(numero="GOOD")
    bad = lheo.formation(
        numero="BAD", actions=lheo.action(numero="A2", sessions=lheo.session(numero="S2", start="2027-02-30"))
    )
    before = counts()
    page = upload(regional_client, lheo.lheo(good, bad)).content.decode()
    assert "1 erreur(s), rien n'a été importé" in page
    assert "offre.xml, ligne" in page and "champ « debut » : date illisible « 2027-02-30 »" in page
    assert counts() == before

    page = upload(regional_client, lheo.lheo(good, bad), skip_invalid="on").content.decode()
    assert "Import de offre.xml terminé" in page
    assert "1 : session invalide (voir les erreurs)" in page
    assert set(TrainingSession.objects.values_list("external_id", flat=True)) == {"S1"}


def test_a_regional_admin_cannot_import_for_another_region(regional_client, net, elsewhere):
    before = counts()
    page = upload(
        regional_client, lheo.lheo(lheo.formation(actions=lheo.action(site=elsewhere.code)))
    ).content.decode()
    assert "rien n'a été importé" in page
    assert "n&#x27;est rattachée à aucun centre Cnam de votre région" in page
    assert counts() == before


def test_a_regional_admin_cannot_change_another_regions_training(login, regional, net, elsewhere):
    staff = login(UserFactory(is_staff=True))
    # Staff import a training taught in Lyon; the Occitanie admin sends a file reusing its numbers.
    assert (
        "terminé"
        in upload(
            staff, lheo.lheo(lheo.formation(numero="LYON", actions=lheo.action(site=elsewhere.code)))
        ).content.decode()
    )
    title = Training.objects.get().title
    client = login(regional)
    page = upload(client, lheo.lheo(lheo.formation(numero="LYON", title="Détourné"))).content.decode()
    assert "la formation « LYON » existe déjà et concerne un centre hors de votre région" in page
    assert Training.objects.get().title == title
    assert TrainingAction.objects.get().cnam_site == elsewhere


def test_session_moved_from_another_region_is_refused(login, regional, net, elsewhere):
    staff = login(UserFactory(is_staff=True))
    upload(
        staff,
        lheo.lheo(
            lheo.formation(
                numero="LYON",
                actions=lheo.action(
                    numero="A-LYON", site=elsewhere.code, sessions=lheo.session(numero="S-LYON")
                ),
            )
        ),
    )
    client = login(regional)
    page = upload(
        client, lheo.lheo(lheo.formation(actions=lheo.action(sessions=lheo.session(numero="S-LYON"))))
    ).content.decode()
    assert "la session « S-LYON » existe déjà et concerne un centre hors de votre région" in page
    assert TrainingSession.objects.get().action.cnam_site == elsewhere


def test_staff_import_any_provider(login, net):
    client = login(UserFactory(is_staff=True))
    other = lheo.formation(
        numero="AUT", siret="12345678900011", provider="Organisme privé", actions=lheo.action(site="")
    )
    page = upload(client, lheo.lheo(other)).content.decode()
    assert "Formations : 1 créées" in page
    assert TrainingAction.objects.get().cnam_site is None


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("offre.txt", lheo.lheo(lheo.formation()), "« offre.txt » n&#x27;est pas un fichier .xml"),
        ("offre.xml", b"", "Le fichier envoyé est vide."),
        ("offre.xml", b"PK\x03\x04\x14\x00\x06\x00binary", "XML mal formé"),
        ("offre.xml", "<html><body>Bonjour</body></html>", "élément racine « html »"),
        (
            "offre.xml",
            '<lheo xmlns="http://example.org/lheo"/>',
            "espace de noms « http://example.org/lheo » non pris en charge",
        ),
        ("offre.xml", lheo.lheo(lheo.formation())[:400], "XML mal formé"),
        ("offre.xml", "\xef\xbb\xbf\x00\x01", "XML mal formé"),
    ],
    ids=["extension", "empty", "zip", "html", "namespace", "truncated", "garbage"],
)
def test_wrong_type_or_malformed_file_is_refused_naming_the_problem(
    regional_client, net, name, data, message
):
    before = counts()
    response = upload(regional_client, data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_browser_content_type_is_not_trusted(regional_client, net):
    page = upload(regional_client, "<html/>", content_type="application/xml").content.decode()
    assert "élément racine « html »" in page
    page = upload(regional_client, lheo.lheo(lheo.formation()), content_type="image/png").content.decode()
    assert "terminé" in page


def test_too_large_file_is_refused_and_not_kept(regional_client, net, settings):
    settings.LHEO_UPLOAD_MAX_BYTES = 2000
    data = lheo.lheo(lheo.formation(objectives="x" * 3000))
    before = counts()
    page = upload(regional_client, data).content.decode()
    assert "Le fichier dépasse la taille maximale de 2,0\xa0Kio" in page
    assert counts() == before


def test_hostile_xml_is_refused(regional_client, net, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe")
    data = lheo.lheo(lheo.formation(), prolog=f'<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "file://{secret}">]>')
    before = counts()
    page = upload(regional_client, data).content.decode()
    assert "Fichier refusé : rien n'a été importé" in page and "entités XML (xxe)" in page
    assert "mot de passe" not in page
    assert counts() == before


def test_uploaded_name_is_shown_escaped(regional_client, net):
    page = upload(regional_client, "<lheo/>", name="<img src=x onerror=alert(1)>.xml").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.xml" in page


# Who may open the page: the access matrix (tests/security/rules.py, catalog:lheo_upload).


def test_the_upload_page_is_in_the_regional_admin_s_menu_only(login, regional, counsellor):
    upload = reverse("catalog:lheo_upload")
    assert f'href="{upload}"' in login(regional).get(reverse("pages:home")).content.decode()
    assert f'href="{upload}"' not in login(counsellor).get(reverse("pages:home")).content.decode()
