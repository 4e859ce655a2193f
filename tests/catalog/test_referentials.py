import csv
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import (
    Certification,
    Nsf,
    RomeAppellation,
    RomeDomain,
    RomeFiche,
    RomeGrandDomain,
    SkillBlock,
)
from tremplin.catalog.services import catalog_version

ROME = settings.SHARED_DATA_DIR / "rome"
RNCP = settings.SHARED_DATA_DIR / "rncp"


def call(name, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_rome_reads_the_real_referential():
    out, _ = call("import_rome", ROME)
    assert RomeGrandDomain.objects.count() == 14
    assert RomeDomain.objects.count() == 110
    assert RomeFiche.objects.count() == 532
    assert RomeAppellation.objects.count() >= 11_061
    fiche = RomeFiche.objects.select_related("domain__grand_domain").get(code="M1805")
    assert fiche.label == "Études et développement informatique"
    assert fiche.domain.code == "M18" and fiche.domain.grand_domain.label == "Support à l'entreprise"
    # The 2024 list is read after the 2023 one: its labels win.
    assert RomeAppellation.objects.filter(fiche=fiche).count() > 10

    out, _ = call("import_rome", ROME)
    assert "Aucun changement" in out


def test_import_rome_refuses_unknown_columns_and_names_bad_lines(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="other.csv : colonnes non reconnues"):
        call("import_rome", other)

    fiches = tmp_path / "fiches.csv"
    fiches.write_text("code_rome,libelle_rome\nM1805,Études\nZ9999,Inconnu\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_rome", str(fiches), stdout=io.StringIO(), stderr=err)
    assert "fiches.csv, ligne 2, champ « code_rome » : domaine professionnel M18 inconnu" in err.getvalue()
    assert "fiches.csv, ligne 3, champ « code_rome » : code ROME invalide « Z9999 »" in err.getvalue()
    assert not RomeFiche.objects.exists()


def test_import_rncp_finds_the_cnam_certifications_of_the_real_extract():
    """The 397 certifications of the Cnam in the 2021 extract, with their levels and ROME codes."""
    version = catalog_version()
    out, err = call("import_rncp", RNCP)
    assert err == ""
    assert catalog_version() > version
    with (RNCP / "cnam_rncp_fiches_derived_2021.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle, delimiter=";"))
    assert len(expected) == 397
    stored = {
        code: (level, rome)
        for code, level, rome in Certification.objects.filter(is_cnam=True).values_list(
            "code", "level", "rome_codes"
        )
    }
    assert len(stored) == 397
    for row in expected:
        level, rome = stored[row["code_rncp"]]
        assert level == int(row["niveau_europe"].removeprefix("niveau")), row["code_rncp"]
        assert set(rome.split()) >= {code for code in row["codes_rome"].split("|") if code}, row["code_rncp"]

    certification = Certification.objects.get(code="RNCP11928")
    assert certification.title == "Responsable opérationnel des flux"
    assert certification.level == QualificationLevel.LEVEL_6
    assert certification.is_active is False
    assert certification.valid_until.isoformat() == "2019-08-09"
    assert certification.nsf_codes == "311p"
    assert {"name": "CONSERVATOIRE NATIONAL DES ARTS ET METIERS", "siret": "19753471200017"} in (
        certification.certifiers
    )
    assert Certification.objects.count() > 17_000
    assert Nsf.objects.get(code="311p").label == "Gestion des flux et des stocks de marchandises"
    assert SkillBlock.objects.filter(certification__code="RNCP10013").count() >= 3

    out, _ = call("import_rncp", RNCP)
    assert "Aucun changement" in out


def test_import_rncp_names_file_line_and_field_of_bad_values(tmp_path):
    info = tmp_path / "rncp_info.csv"
    info.write_text(
        "CodeRNCP;intituleDiplome;date_fin_validite_enregistrement;ActiveInactive;EtatFiche;NiveauEurope;"
        "CodeTypeCertif;TypeCertif\n"
        "RNCP1;Bon titre;1/31/25;ACTIVE;Publiée;niveau5;TP;Titre professionnel\n"
        "RNCP2;Titre;31/31/25;ACTIVE;Publiée;niveau5;TP;Titre professionnel\n"
        "XX3;Titre;;ACTIVE;Publiée;niveau9;TP;Titre professionnel\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("import_rncp", str(info), stdout=io.StringIO(), stderr=err)
    assert (
        "rncp_info.csv, ligne 3, champ « date de fin de validité » : date illisible « 31/31/25 »"
        in err.getvalue()
    )
    assert "rncp_info.csv, ligne 4, champ « code » : code de certification invalide « XX3 »" in err.getvalue()
    assert not Certification.objects.exists()


def test_import_rncp_refuses_a_file_it_does_not_know(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a;b\n1;2\n")
    with pytest.raises(CommandError, match="other.csv : colonnes non reconnues"):
        call("import_rncp", other)


def test_import_formacode_and_nsf_labels():
    from tremplin.catalog.models import Formacode

    out, err = call("import_formacode", settings.SHARED_DATA_DIR / "formacode_nsf")
    assert err == ""
    assert Formacode.objects.count() > 3_000
    assert Formacode.objects.get(code="52322").label == "certificat professionnel CNAM"
    assert Formacode.objects.get(code="80024").label == "jeune 16-25 ans"
    assert Nsf.objects.get(code="311").label == "Transports, manutention, magasinage"
    out, _ = call("import_formacode", settings.SHARED_DATA_DIR / "formacode_nsf")
    assert "Aucun changement" in out


def test_import_formacode_names_bad_lines(tmp_path):
    path = tmp_path / "formacode.csv"
    path.write_text("31054;INFORMATIQUE;informatique;DOM\n3105;COURT;court;DOM\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_formacode", str(path), stdout=io.StringIO(), stderr=err)
    assert "formacode.csv, ligne 2, champ « code » : Formacode invalide « 3105 »" in err.getvalue()
