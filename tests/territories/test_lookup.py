import pytest
from django.urls import reverse

from tests.factories import CommuneFactory, UserFactory
from tremplin.territories import lookup
from tremplin.territories.lookup import normalize_name, search_communes

pytestmark = pytest.mark.usefixtures("communes_subset")

URL = reverse("api-communes")


def codes(text, limit=20):
    return [commune["insee_code"] for commune in search_communes(text, limit=limit)]


@pytest.mark.parametrize(
    "text, first",
    [
        ("st etienne", "42218"),
        ("Saint-Étienne", "42218"),
        ("ST-ETIENNE", "42218"),
        ("saint etienne", "42218"),
        ("lhay les roses", "94038"),
        ("l hay", "94038"),
        ("L’Haÿ-les-Roses", "94038"),  # typographic apostrophe
        ("l'hay-les-roses", "94038"),
        ("la rochelle", "17300"),
        ("rochelle", "17300"),  # without its article
        ("havre", "76351"),
        ("le havre", "76351"),
        ("aux marais", "60703"),
        ("los masos", "66104"),
        ("rodez", "12202"),
        ("RODEZ ", "12202"),
        ("12000", "12202"),
        ("12 000", "12202"),
        ("12202", "12202"),
        ("2A004", "2A004"),
        ("2a004", "2A004"),
        ("ajacc", "2A004"),
        ("paris", "75056"),
        ("75015", "75056"),
        ("paris 15", "75115"),
        ("lyon", "69123"),
        ("saint denis", "97411"),  # La Réunion's is more populated than Seine-Saint-Denis's
        ("etienne", "42218"),  # a word of the name
        ("roses hay", "94038"),  # words in any order
    ],
)
def test_search_finds_the_expected_commune_first(text, first):
    assert codes(text)[:1] == [first]


def test_st_and_ste_stand_for_saint_and_sainte():
    assert codes("ste marie") == codes("Sainte-Marie")
    assert codes("ste marie")[0] == "97418"
    assert codes("st-chamond") == codes("saint chamond") == ["42207"]


def test_a_postal_code_prefix_lists_the_communes_of_those_codes_most_populated_first():
    results = search_communes("120")
    assert results[0]["insee_code"] == "12202"
    assert all(any(code.startswith("120") for code in c["postal_codes"]) for c in results)
    populations = [c["population"] for c in results]
    assert populations == sorted(populations, reverse=True)
    assert len(results) > 1


def test_a_postal_code_that_is_also_an_insee_code_gives_both_postal_first():
    # 13013 is Marseille 13e's postal code and Belcodène's INSEE code.
    assert codes("13013") == ["13055", "13213", "13013"]


def test_an_insee_code_is_never_pushed_out_by_postal_matches():
    assert codes("13013", limit=2) == ["13055", "13013"]


def test_exact_name_before_prefix_before_word_prefix_whatever_the_population():
    CommuneFactory(insee_code="12901", name="Zorglub", population=10)
    CommuneFactory(insee_code="12902", name="Zorglub-les-Bains", population=50_000)
    CommuneFactory(insee_code="12903", name="Saint-Zorglub", population=90_000)
    CommuneFactory(insee_code="12904", name="Zorglubville", population=20_000)
    assert codes("zorglub") == ["12901", "12902", "12904", "12903"]


def test_homonyms_are_ordered_by_population():
    results = search_communes("saint denis")
    exact = [c for c in results if c["name"] == "Saint-Denis"]
    assert [c["department_code"] for c in exact] == ["974", "93"]
    assert results[: len(exact)] == exact


def test_results_are_complete_and_independent():
    [rodez] = search_communes("rodez")
    assert rodez == {
        "insee_code": "12202",
        "name": "Rodez",
        "kind": "COM",
        "postal_codes": ["12000"],
        "department_code": "12",
        "department_name": "Aveyron",
        "region_name": "Occitanie",
        "population": rodez["population"],
        "latitude": rodez["latitude"],
        "longitude": rodez["longitude"],
        "size_class": "medium_town",
    }
    assert rodez["population"] > 20_000
    assert 44.3 < rodez["latitude"] < 44.4 and 2.5 < rodez["longitude"] < 2.6
    rodez["postal_codes"].append("99999")
    assert search_communes("rodez")[0]["postal_codes"] == ["12000"]


@pytest.mark.parametrize("text", ["", " ", "a", "-", "'", "é", "1"])
def test_too_short_a_text_finds_nothing(text):
    assert search_communes(text) == []


def test_unknown_text_finds_nothing():
    assert search_communes("xqzw") == []
    assert search_communes("99999") == []


def test_limit_is_respected_and_capped_at_20():
    assert len(search_communes("saint", limit=3)) == 3
    assert len(search_communes("saint", limit=500)) == 20
    assert search_communes("saint", limit=0) == []


def test_index_notices_changes_made_by_other_processes_after_the_check_interval(settings):
    settings.TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS = 3600
    assert codes("zorglub") == []
    CommuneFactory(insee_code="12901", name="Zorglub")
    assert codes("zorglub") == []  # within the interval, this process keeps its index
    settings.TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS = 0
    assert codes("zorglub") == ["12901"]  # the fingerprint moved: rebuilt


def test_invalidate_makes_changes_visible_at_once(settings):
    settings.TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS = 3600
    assert codes("zorglub") == []
    CommuneFactory(insee_code="12901", name="Zorglub")
    lookup.invalidate()
    assert codes("zorglub") == ["12901"]


@pytest.mark.parametrize(
    "text, folded",
    [
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("St-Étienne", "saint etienne"),
        ("Ste-Marie", "sainte marie"),
        ("Œuilly", "oeuilly"),
        ("  Pont-à-Mousson  ", "pont a mousson"),
        ("Saint-Martin-d'Hères", "saint martin d heres"),
        ("Bastelicaccia", "bastelicaccia"),
    ],
)
def test_normalize_name(text, folded):
    assert normalize_name(text) == folded


# Through HTTP.


def test_api_is_public_and_answers_json_best_first(client):
    response = client.get(URL, {"q": "st etienne"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    results = response.json()
    assert results[0]["name"] == "Saint-Étienne"
    assert results[0]["postal_codes"] == ["42000", "42100", "42230"]
    assert results[0]["department_name"] == "Loire"
    assert results[0]["region_name"] == "Auvergne-Rhône-Alpes"
    assert 1 <= len(results) <= 20
    assert "Saint-Étienne".encode() in response.content  # not \\u escapes


def test_api_answers_logged_in_users_the_same(login):
    client = login(UserFactory())
    assert client.get(URL, {"q": "12000"}).json()[0]["name"] == "Rodez"


@pytest.mark.parametrize("text", ["lhay les roses", "l hay", "L'Haÿ", "haÿ les roses"])
def test_api_ignores_accents_apostrophes_and_hyphens(client, text):
    assert client.get(URL, {"q": text}).json()[0]["name"] == "L'Haÿ-les-Roses"


def test_api_limit(client):
    assert len(client.get(URL, {"q": "saint", "limit": "5"}).json()) == 5


@pytest.mark.parametrize("limit", ["0", "21", "abc", "-1", "²"])
def test_api_refuses_a_bad_limit_in_french(client, limit):
    response = client.get(URL, {"q": "saint", "limit": limit})
    assert response.status_code == 400
    assert response.json() == {"detail": "Le paramètre « limit » doit être un nombre entier de 1 à 20."}


def test_api_requires_q(client):
    response = client.get(URL)
    assert response.status_code == 400
    assert "« q »" in response.json()["detail"]


@pytest.mark.parametrize("text", ["", "r"])
def test_api_short_q_gives_an_empty_list(client, text):
    response = client.get(URL, {"q": text})
    assert (response.status_code, response.json()) == (200, [])


def test_api_is_read_only(client):
    assert client.post(URL, {"q": "rodez"}).status_code == 405


def test_api_does_not_query_the_database_once_the_index_is_built(client, django_assert_num_queries):
    client.get(URL, {"q": "rodez"})
    with django_assert_num_queries(0):
        assert client.get(URL, {"q": "la rochelle"}).json()[0]["insee_code"] == "17300"
