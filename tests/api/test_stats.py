"""The dashboards' tables through the API: same access as the dashboards, always masked."""

import pytest
from django.utils import timezone

from tests.api.conftest import fields_of
from tests.factories import SteeringBodyFactory, member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.api.services import api_token_create
from tremplin.network.enums import SteeringScope

URL = "/api/v1/stats/"


@pytest.fixture
def figures(net, session):
    """Rodez site: 6 referrals from the Rodez mission locale (5 sent, 1 refused), 2 from the other
    one; Millau site: 1 from the Rodez mission locale."""
    at_millau = cnam_session(net["other_site"], title="Comptabilité")
    for _ in range(5):
        ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=session)
    ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=session, refused=True)
    for _ in range(2):
        ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["other_ml"]), session=session)
    ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=at_millau)


def table(body, key) -> dict:
    return next(t for t in body["tables"] if t["key"] == key)


def statuses(body) -> dict:
    rows = table(body, "statuts")["rows"]
    return {row[0]: row[1] for row in rows}


def sent(body):
    return table(body, "entonnoir")["rows"][0][1]


def test_a_mission_locale_reads_its_tables_masked(net, api, tokens, figures):
    response = api(tokens["ml"]).get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == {
        "key": f"mission_locale:{net['ml'].pk}",
        "label": "Mission locale du Grand Rodez",
    }
    assert body["end"] == f"{timezone.localdate():%Y-%m}" and body["masked_below"] == 5
    assert sent(body) == 7
    counts = statuses(body)
    assert counts["Envoyée"] == "< 5" and counts["Refusée"] == "< 5"  # 6 sent: a second cell hides the 1
    assert counts["Formation terminée"] == 0
    assert {"entonnoir", "mois", "statuts", "delais"} <= {t["key"] for t in body["tables"]}


def test_a_regional_centre_and_its_sites(net, api, tokens, figures):
    client = api(tokens["centre"])
    assert sent(client.get(URL).json()) == 9
    assert sent(client.get(URL, {"scope": f"site:{net['site'].pk}"}).json()) == 8
    assert sent(client.get(URL, {"scope": f"site:{net['other_site'].pk}"}).json()) == "< 5"


def test_steering_chooses_any_scope(net, api, tokens, figures):
    client = api(tokens["steering"])
    assert client.get(URL).json()["scope"]["key"] == "france"
    assert sent(client.get(URL, {"scope": f"mission_locale:{net['other_ml'].pk}"}).json()) == "< 5"
    regional = SteeringBodyFactory(code="DREETS-OCC", scope=SteeringScope.REGIONAL, region=net["region"])
    body = api(api_token_create(organisation=regional, name="t")[1]).get(URL).json()
    assert body["scope"]["key"] == "region:76"


def test_a_scope_outside_one_s_organisation_is_not_found(net, api, tokens, figures):
    assert api(tokens["ml"]).get(URL, {"scope": f"mission_locale:{net['other_ml'].pk}"}).status_code == 404
    assert api(tokens["centre"]).get(URL, {"scope": "france"}).status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"scope": "planete:3"}, "scope"),
        ({"start": "2025-13"}, "start"),
        ({"start": "2025-06", "end": "2025-01"}, "end"),
    ],
)
def test_bad_parameters_name_the_field(net, api, tokens, params, field):
    response = api(tokens["steering"]).get(URL, params)
    assert response.status_code == 400
    assert fields_of(response) == {field}


@pytest.mark.parametrize("who", ["site", "other_site"])
def test_sites_have_no_dashboard(net, api, tokens, who):
    assert api(tokens[who]).get(URL).status_code == 403


def test_counsellors_read_no_figures(net, client):
    client.force_login(member(Role.COUNSELLOR, net["ml"]))
    assert client.get(URL).status_code == 403
