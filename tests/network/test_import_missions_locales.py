import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, ManagementUtility

from tests.factories import CnamSiteFactory, MissionLocaleFactory
from tests.network.factories import commune
from tremplin.network.models import MissionLocale

REAL_FILE = (
    Path(settings.SHARED_DATA_DIR) / "missions_locales" / "passemploi_referentiel_structures_milo.json"
)


def structure(code, official, usual=None, department=None, region=None):
    return {
        "id": code,
        "nom_officiel": official,
        "nom_usuel": usual,
        "nom_departement": None,
        "code_departement": department,
        "nom_region": None,
        "code_region": region,
        "timezone": "Europe/Paris",
    }


@pytest.fixture
def communes():
    return {
        "12145": commune("12145", "Millau", "12", population=22_000),
        "50129": commune("50129", "Cherbourg-en-Cotentin", "50", region="28", population=79_000),
        "77390": commune("77390", "Roissy-en-Brie", "77", region="11"),
        "97411": commune("97411", "Saint-Denis", "974", region="04", population=150_000),
        "97611": commune("97611", "Mamoudzou", "976", region="06"),
    }


@pytest.fixture
def referential(write):
    structures = [
        structure("12145S00", "12-ML AVEYRON", "Mission Locale Départementale de l'Aveyron", "12", "76"),
        # An old code (Cherbourg-Octeville before the merger): found from the official name.
        structure("50383S00", "50-ML CHERBOURG", "MISSION LOCALE DU COTENTIN", "50", "28"),
        structure("99999S00", "77-ML ROISSY EN BRIE", "ML du Plateau de Brie", "77", "11"),
        structure("97411S00", "974-ML ST DENIS", "Mission locale nord", "974", "04"),
        structure("97600S00", "976-ML Mayotte", "Mission Locale de Mayotte", "976", "06"),
        structure("38169S00", "38-ML ISERE DRAC VERCORS", None, "38", "84"),
    ]
    return write("structures.json", json.dumps(structures, ensure_ascii=False, indent=2))


def test_json_referential_is_imported_with_seat_communes(run, communes, referential):
    result = run("import_missions_locales", referential)

    assert "6 créés" in result.stdout
    aveyron = MissionLocale.objects.get(code="12145S00")
    assert aveyron.name == "Mission Locale Départementale de l'Aveyron"
    assert aveyron.official_name == "12-ML AVEYRON"
    assert aveyron.commune == communes["12145"]
    assert (aveyron.department_id, aveyron.region_id) == ("12", "76")
    assert MissionLocale.objects.get(code="50383S00").commune == communes["50129"]
    assert MissionLocale.objects.get(code="99999S00").commune == communes["77390"]
    assert MissionLocale.objects.get(code="97411S00").commune == communes["97411"]
    # Without a usual name, the official one is shown.
    assert MissionLocale.objects.get(code="38169S00").name == "38-ML ISERE DRAC VERCORS"


def test_structures_that_cannot_be_located_are_imported_and_named_with_the_reason(run, communes, referential):
    result = run("import_missions_locales", referential)

    mayotte = MissionLocale.objects.get(code="97600S00")
    assert mayotte.commune is None
    assert (mayotte.department_id, mayotte.region_id) == ("976", "06")
    assert "Commune du siège trouvée pour 4 structure(s) sur 6" in result.stdout
    assert "97600S00 « 976-ML Mayotte » : 97600 n'est le code d'aucune commune connue" in result.stdout
    assert "aucune commune « Mayotte » dans le département 976" in result.stdout
    # Isère is not loaded: said so, and still imported without département.
    assert "38169S00 « 38-ML ISERE DRAC VERCORS »" in result.stdout
    assert "le département 38 est inconnu" in result.stdout
    assert MissionLocale.objects.get(code="38169S00").region_id == "84"


def test_second_run_changes_nothing(run, communes, referential):
    run("import_missions_locales", referential)
    result = run("import_missions_locales", referential)

    assert result.stdout.startswith("0 créés, 0 mis à jour, 6 inchangés")
    assert "Aucun changement" in result.stdout
    assert MissionLocale.objects.count() == 6


def test_a_changed_name_is_updated(run, write, communes):
    run(
        "import_missions_locales",
        write("a.json", json.dumps([structure("12145S00", "12-ML AVEYRON", "Ancien nom")])),
    )
    result = run(
        "import_missions_locales",
        write("b.json", json.dumps([structure("12145S00", "12-ML AVEYRON", "Nouveau nom")])),
    )

    assert "1 mis à jour" in result.stdout
    assert MissionLocale.objects.get(code="12145S00").name == "Nouveau nom"


def test_an_arrondissement_code_locates_on_the_arrondissement_or_else_its_commune(run, write):
    paris = commune("75056", "Paris", "75", region="11", population=2_000_000)
    path = write("paris.json", json.dumps([structure("75119S00", "75-ML PARIS 19", "MLP", "75", "11")]))
    run("import_missions_locales", path)
    assert MissionLocale.objects.get(code="75119S00").commune == paris

    arrondissement = commune("75119", "Paris 19e Arrondissement", "75", region="11", kind="ARM", parent=paris)
    result = run("import_missions_locales", path)
    assert "1 mis à jour" in result.stdout
    assert MissionLocale.objects.get(code="75119S00").commune == arrondissement


def test_without_communes_everything_is_imported_and_the_summary_says_why(run, referential):
    result = run("import_missions_locales", referential)

    assert MissionLocale.objects.filter(commune__isnull=True).count() == 6
    assert "aucune commune n'est chargée (lancez d'abord import_communes)" in result.stdout


def test_dry_run_writes_nothing(run, communes, referential):
    result = run("import_missions_locales", referential, "--dry-run")

    assert "6 créés" in result.stdout
    assert "rien n'a été enregistré" in result.stdout
    assert not MissionLocale.objects.exists()


CSV_HEADER = "code;nom;nom_officiel;code_insee;adresse;courriel;telephone\n"


def test_csv_file_with_explicit_commune_address_and_contacts(run, write, communes):
    path = write(
        "ml.csv",
        CSV_HEADER
        + "12145S00;Mission locale de l'Aveyron;12-ML AVEYRON;;1 rue Droite, 12100 Millau;contact@ml12.example.org;05 65 00 00 00\n"
        # The explicit INSEE code wins over the code prefix.
        + "97411S00;Mission locale Nord;974-ML ST DENIS;97611;;;\n",
    )
    result = run("import_missions_locales", path)

    assert "2 créés" in result.stdout
    aveyron = MissionLocale.objects.get(code="12145S00")
    assert aveyron.commune == communes["12145"]
    assert aveyron.address == "1 rue Droite, 12100 Millau"
    assert aveyron.email == "contact@ml12.example.org"
    assert aveyron.phone == "05 65 00 00 00"
    assert MissionLocale.objects.get(code="97411S00").commune == communes["97611"]
    assert "1 par la colonne code_insee" in result.stdout


def test_csv_with_only_the_required_columns_keeps_other_fields(run, write, communes):
    MissionLocaleFactory(code="12145S00", commune=communes["12145"], address="1 rue Droite", email="a@b.fr")
    result = run(
        "import_missions_locales", write("ml.csv", "code;nom\n12145S00;Mission locale de l'Aveyron\n")
    )

    assert "1 mis à jour" in result.stdout
    aveyron = MissionLocale.objects.get(code="12145S00")
    assert (aveyron.name, aveyron.address, aveyron.email) == (
        "Mission locale de l'Aveyron",
        "1 rue Droite",
        "a@b.fr",
    )


def test_a_file_without_extension_is_recognised_by_its_content(run, write, communes):
    run(
        "import_missions_locales", write("export", json.dumps([structure("12145S00", "12-ML AVEYRON", "ML")]))
    )
    run("import_missions_locales", write("export2", "code;nom\n97411S00;Mission locale Nord\n"))

    assert MissionLocale.objects.count() == 2


@pytest.mark.parametrize(
    "line,field,message",
    [
        (
            "12145S0;Mission locale;;;;;",
            "code",
            "« 12145S0 » n'est pas un code de structure i-milo (forme NNNNNS00).",
        ),
        (";Mission locale;;;;;", "code", "le code de la structure est vide."),
        ("12145S00;;;;;;", "nom", "le nom est vide."),
        ("12145S00;Mission locale;;99999;;;", "code_insee", "aucune commune n'a le code INSEE 99999."),
        (
            "12145S00;Mission locale;;;;pas-une-adresse;",
            "courriel",
            "« pas-une-adresse » n'est pas une adresse",
        ),
        ("12145S00;" + "M" * 201 + ";;;;;", "nom", "201 caractères, 200 au plus."),
    ],
)
def test_csv_record_errors_name_file_line_and_field_and_write_nothing(
    run, write, communes, line, field, message
):
    path = write("ml.csv", CSV_HEADER + "97411S00;Mission locale Nord;;;;;\n" + line + "\n")

    with pytest.raises(CommandError, match="1 erreur\\(s\\) : rien n'a été enregistré") as excinfo:
        run("import_missions_locales", path)

    assert f"ml.csv, ligne 3, champ « {field} » : {message}" in excinfo.value.stderr
    assert not MissionLocale.objects.exists()


def test_duplicate_codes_are_refused(run, write, communes):
    path = write("ml.csv", "code;nom\n12145S00;Un\n97411S00;Deux\n12145S00;Trois\n")

    with pytest.raises(CommandError) as excinfo:
        run("import_missions_locales", path)

    assert (
        "ml.csv, ligne 4, champ « code » : le code 12145S00 figure déjà plus haut (ml.csv, ligne 2)."
        in excinfo.value.stderr
    )
    assert not MissionLocale.objects.exists()


def test_a_code_already_used_by_a_cnam_site_is_refused(run, write, communes):
    CnamSiteFactory(code="12145S00", name="Cnam Millau")

    with pytest.raises(CommandError) as excinfo:
        run("import_missions_locales", write("ml.csv", "code;nom\n12145S00;Mission locale\n"))

    assert (
        "le code 12145S00 est déjà celui de « Cnam Millau » (Centre Cnam d'enseignement)"
        in excinfo.value.stderr
    )
    assert not MissionLocale.objects.exists()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("ml.csv", "code;nom;siret\n12145S00;ML;123\n", "ml.csv, ligne 1 : colonne(s) inattendue(s) : siret"),
        ("ml.csv", "code;nom_officiel\n12145S00;ML\n", "ml.csv, ligne 1 : colonne(s) manquante(s) : nom"),
        ("ml.csv", "code,nom\n12145S00,ML\n", "le séparateur doit être « ; »"),
        ("ml.csv", "code;nom\n12145S00;ML;en trop\n", "ml.csv, ligne 2 : 3 valeur(s) au lieu de 2"),
        (
            "ml.csv",
            "code;nom\n12145S00;Mission locale de N\xeemes\n".encode("latin-1"),
            "ml.csv, ligne 2 : le fichier n'est pas encodé en UTF-8",
        ),
        (
            "ml.json",
            '[{"id": "12145S00",\n "nom_officiel": }]',
            "ml.json, ligne 2, colonne 18 : JSON invalide",
        ),
        ("ml.json", '{"id": "12145S00"}', "une liste de structures i-milo est attendue"),
        ("ml.json", '[{"code": "12145S00"}]', "ce JSON n'est pas le référentiel des structures i-milo"),
        ("ml.txt", "Bonjour\n", "ml.txt : format non reconnu"),
        ("ml.xlsx", b"PK\x03\x04...", "ml.xlsx : format non reconnu"),
        ("ml.csv", b"PK\x03\x04...", "c'est un classeur"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(run, write, name, content, message):
    with pytest.raises(CommandError) as excinfo:
        run("import_missions_locales", write(name, content))
    assert message in str(excinfo.value)
    assert not MissionLocale.objects.exists()


def test_missing_file(run, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        run("import_missions_locales", str(tmp_path / "absent.json"))


def test_refusal_exits_non_zero(write, capsys):
    path = write("ml.csv", "code;siret\n")
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "import_missions_locales", path]).execute()
    assert excinfo.value.code == 1
    assert "colonne(s) manquante(s) : nom" in capsys.readouterr().err


@pytest.mark.slow
def test_the_real_referential_locates_almost_every_seat(run, real_communes):
    result = run("import_missions_locales", str(REAL_FILE))

    assert MissionLocale.objects.count() == 450
    assert MissionLocale.objects.filter(commune__isnull=False).count() >= 445
    # Merged commune, code outside the INSEE range, arrondissements.
    assert MissionLocale.objects.get(code="50383S00").commune_id == "50129"
    assert MissionLocale.objects.get(code="99999S00").commune_id == "77390"
    assert MissionLocale.objects.get(code="75119S00").commune.name.startswith("Paris 19")
    assert MissionLocale.objects.get(code="13201S00").commune.name.startswith("Marseille")
    for code in ("97600S00", "97801S00", "99994S00"):
        assert code in result.stdout
    assert all(ml.region_id for ml in MissionLocale.objects.exclude(code__in=["97801S00", "65441S00"]))

    again = run("import_missions_locales", str(REAL_FILE))
    assert again.stdout.startswith("0 créés, 0 mis à jour, 450 inchangés")
