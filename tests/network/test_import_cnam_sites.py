import pytest
from django.core.management import CommandError

from tests.factories import CnamSiteFactory, MissionLocaleFactory
from tests.network.factories import commune
from tremplin.network.enums import CnamSiteKind, OrganisationKind
from tremplin.network.models import CnamSite

HEADER = "code;nom;type;centre_regional;code_insee;adresse;courriel;au_coeur_des_territoires\n"


@pytest.fixture
def communes():
    return {
        code: commune(code, name, department)
        for code, name, department in [
            ("31555", "Toulouse", "31"),
            ("12202", "Rodez", "12"),
            ("12145", "Millau", "12"),
            ("46102", "Figeac", "46"),
        ]
    }


GOOD = (
    HEADER
    # Sites first: their regional centre comes later in the file.
    + "CNAM-RODEZ;Cnam Rodez;site;CNAM-OCC;12202;1 avenue de Bordeaux, 12000 Rodez;rodez@cnam.example.org;non\n"
    + "CNAM-FIGEAC;Cnam Figeac;site;CNAM-OCC;46102;;;oui\n"
    + "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;occitanie@cnam.example.org;non\n"
)


def test_good_file_creates_regional_centres_and_their_sites(run, write, communes):
    result = run("import_cnam_sites", write("sites.csv", GOOD))

    assert result.stdout.startswith("3 créés, 0 mis à jour, 0 inchangés")
    centre = CnamSite.objects.get(code="CNAM-OCC")
    assert (centre.site_kind, centre.kind, centre.parent) == (
        CnamSiteKind.REGIONAL_CENTRE,
        OrganisationKind.CNAM_REGIONAL_CENTRE,
        None,
    )
    rodez = CnamSite.objects.get(code="CNAM-RODEZ")
    assert (rodez.kind, rodez.parent, rodez.commune) == (
        OrganisationKind.CNAM_SITE,
        centre,
        communes["12202"],
    )
    assert rodez.address == "1 avenue de Bordeaux, 12000 Rodez"
    assert rodez.email == "rodez@cnam.example.org"
    assert not rodez.au_coeur_des_territoires
    assert CnamSite.objects.get(code="CNAM-FIGEAC").au_coeur_des_territoires
    assert not CnamSite.objects.filter(is_demo=True).exists()


def test_second_run_changes_nothing_and_a_change_is_an_update(run, write, communes):
    run("import_cnam_sites", write("sites.csv", GOOD))
    assert run("import_cnam_sites", write("sites.csv", GOOD)).stdout.startswith(
        "0 créés, 0 mis à jour, 3 inchangés"
    )

    changed = GOOD.replace(
        "CNAM-FIGEAC;Cnam Figeac;site;CNAM-OCC;46102;;;oui",
        "CNAM-FIGEAC;Cnam Figeac;site;CNAM-OCC;46102;;;non",
    )
    result = run("import_cnam_sites", write("sites.csv", changed))
    assert result.stdout.startswith("0 créés, 1 mis à jour, 2 inchangés")
    assert not CnamSite.objects.get(code="CNAM-FIGEAC").au_coeur_des_territoires
    assert CnamSite.objects.count() == 3


def test_a_site_may_name_a_regional_centre_imported_before(run, write, communes):
    centre = CnamSiteFactory(code="CNAM-OCC", regional_centre=True, commune=communes["31555"])
    run(
        "import_cnam_sites",
        write("sites.csv", HEADER + "CNAM-MILLAU;Cnam Millau;site;CNAM-OCC;12145;;;OUI\n"),
    )

    millau = CnamSite.objects.get(code="CNAM-MILLAU")
    assert millau.parent == centre
    assert millau.au_coeur_des_territoires


def test_demo_flag_marks_the_rows(run, write, communes):
    run("import_cnam_sites", write("sites.csv", GOOD), "--demo")

    assert CnamSite.objects.filter(is_demo=True).count() == 3


def test_dry_run_writes_nothing(run, write, communes):
    result = run("import_cnam_sites", write("sites.csv", GOOD), "--dry-run")

    assert "3 créés" in result.stdout
    assert not CnamSite.objects.exists()


@pytest.mark.parametrize(
    "lines,expected",
    [
        (
            "CNAM-OCC;Cnam Occitanie;centre_regional;;99999;;;non\n",
            "sites.csv, ligne 2, champ « code_insee » : aucune commune n'a le code INSEE « 99999 ».",
        ),
        (
            "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;;non\nCNAM-OCC;Cnam Toulouse;site;CNAM-OCC;31555;;;non\n",
            "sites.csv, ligne 3, champ « code » : le code CNAM-OCC figure déjà à la ligne 2.",
        ),
        (
            "CNAM-RODEZ;Cnam Rodez;site;CNAM-NORD;12202;;;non\n",
            "sites.csv, ligne 2, champ « centre_regional » : centre régional « CNAM-NORD » inconnu : "
            "ni dans le fichier, ni déjà importé.",
        ),
        (
            "CNAM-RODEZ;Cnam Rodez;site;;12202;;;non\n",
            "sites.csv, ligne 2, champ « centre_regional » : un site doit indiquer le code de son centre régional.",
        ),
        (
            "CNAM-OCC;Cnam Occitanie;centre_regional;CNAM-X;31555;;;non\n",
            "sites.csv, ligne 2, champ « centre_regional » : un centre régional ne dépend pas d'un autre centre",
        ),
        (
            "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;;peut-être\n",
            "sites.csv, ligne 2, champ « au_coeur_des_territoires » : « peut-être » : attendu « oui » ou « non ».",
        ),
        (
            "CNAM-OCC;Cnam Occitanie;antenne;;31555;;;non\n",
            "sites.csv, ligne 2, champ « type » : « antenne » : valeurs possibles « centre_regional » ou « site ».",
        ),
        (
            ";Cnam Occitanie;centre_regional;;31555;;;non\n",
            "sites.csv, ligne 2, champ « code » : le code est vide.",
        ),
        (
            "CNAM OCC;Cnam Occitanie;centre_regional;;31555;;;non\n",
            "sites.csv, ligne 2, champ « code » : « CNAM OCC » : seuls les lettres, chiffres",
        ),
        (
            "CNAM-OCC;;centre_regional;;31555;;;non\n",
            "sites.csv, ligne 2, champ « nom » : le nom est vide.",
        ),
        (
            "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;occitanie@;non\n",
            "sites.csv, ligne 2, champ « courriel » : « occitanie@ » n'est pas une adresse électronique valide.",
        ),
        (
            # A record spanning two lines (quoted line break) is located at its first line.
            'CNAM-OCC;Cnam Occitanie;centre_regional;;31555;"1 rue\nToulouse";;non\nCNAM-X;X;site;CNAM-OCC;00000;;;non\n',
            "sites.csv, ligne 4, champ « code_insee »",
        ),
    ],
)
def test_bad_records_name_file_line_and_field_and_nothing_is_written(run, write, communes, lines, expected):
    path = write("sites.csv", HEADER + lines)

    with pytest.raises(CommandError, match="rien n'a été enregistré") as excinfo:
        run("import_cnam_sites", path)

    assert expected in excinfo.value.stderr
    assert not CnamSite.objects.exists()


def test_every_error_is_listed_and_valid_lines_are_not_written_either(run, write, communes):
    content = GOOD + "CNAM-A;A;site;CNAM-OCC;99999;;;non\nCNAM-B;B;satellite;CNAM-OCC;12202;;;non\n"

    with pytest.raises(CommandError, match="2 erreur") as excinfo:
        run("import_cnam_sites", write("sites.csv", content))

    assert "ligne 5, champ « code_insee »" in excinfo.value.stderr
    assert "ligne 6, champ « type »" in excinfo.value.stderr
    assert not CnamSite.objects.exists()


def test_a_parent_that_is_not_a_regional_centre_is_refused(run, write, communes):
    CnamSiteFactory(code="CNAM-RODEZ", commune=communes["12202"])
    content = HEADER + "CNAM-MILLAU;Cnam Millau;site;CNAM-RODEZ;12145;;;non\n"

    with pytest.raises(CommandError) as excinfo:
        run("import_cnam_sites", write("sites.csv", content))

    assert "ligne 2, champ « centre_regional » : « CNAM-RODEZ » (" in excinfo.value.stderr
    assert "n'est pas un centre régional du Cnam" in excinfo.value.stderr


def test_a_code_of_another_kind_of_organisation_is_refused(run, write, communes):
    MissionLocaleFactory(code="12145S00", name="Mission locale de l'Aveyron")
    content = HEADER + "12145S00;Cnam Occitanie;centre_regional;;31555;;;non\n"

    with pytest.raises(CommandError) as excinfo:
        run("import_cnam_sites", write("sites.csv", content))

    assert (
        "le code 12145S00 est déjà celui de « Mission locale de l'Aveyron » (Mission locale)"
        in excinfo.value.stderr
    )


@pytest.mark.parametrize(
    "content,expected",
    [
        (
            "code;nom;type;code_insee;adresse;courriel;au_coeur;siret\n",
            "sites.csv, ligne 1 : colonne(s) manquante(s) : centre_regional, au_coeur_des_territoires ; "
            "colonne(s) inattendue(s) : au_coeur, siret.",
        ),
        (
            HEADER.replace(";", ","),
            "sites.csv, ligne 1 : le séparateur doit être « ; » (ce fichier semble séparé par des virgules)",
        ),
        ("", "sites.csv : le fichier est vide"),
        (
            HEADER + "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;non\n",
            "sites.csv, ligne 2 : 7 valeur(s) au lieu de 8",
        ),
        (
            (HEADER + "CNAM-OCC;Cnam Midi-Pyrénées;centre_regional;;31555;;;non\n").encode("cp1252"),
            "sites.csv, ligne 2 : le fichier n'est pas encodé en UTF-8",
        ),
        (b"PK\x03\x04\x14\x00", "sites.csv : c'est un classeur (Excel ou LibreOffice)"),
    ],
)
def test_unusable_files_are_refused(run, write, communes, content, expected):
    with pytest.raises(CommandError) as excinfo:
        run("import_cnam_sites", write("sites.csv", content))

    assert expected in str(excinfo.value)
    assert not CnamSite.objects.exists()


def test_missing_or_unreadable_file(run, tmp_path):
    with pytest.raises(CommandError, match="absent.csv : fichier introuvable"):
        run("import_cnam_sites", str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match="c'est un dossier"):
        run("import_cnam_sites", str(tmp_path))


def test_byte_order_mark_and_header_case_are_accepted(run, write, communes):
    content = "\ufeff" + HEADER.upper() + "CNAM-OCC;Cnam Occitanie;centre_regional;;31555;;;non\n"

    run("import_cnam_sites", write("sites.csv", content))

    assert CnamSite.objects.filter(code="CNAM-OCC").exists()
