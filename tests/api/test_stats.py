"""Referral figures: scoped as the caller's side, small counts masked."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import RegionFactory, SteeringBodyFactory, member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.api.services import api_token_create
from tremplin.network.enums import SteeringScope

URL = "/api/v1/stats/referrals/"


@pytest.fixture
def figures(net, session):
    """Rodez: 6 referrals from the Rodez mission locale (5 sent, 1 refused), 2 from the other one;
    Millau: 1 from the Rodez mission locale."""
    at_millau = cnam_session(net["other_site"], title="Comptabilité")
    for _ in range(5):
        ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=session)
    ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=session, refused=True)
    for _ in range(2):
        ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["other_ml"]), session=session)
    ReferralFactory(young_person=YoungPersonFactory(mission_locale=net["ml"]), session=at_millau)


def by_status(body) -> dict:
    return {row["status"]: row["count"] for row in body["by_status"]}


def test_a_mission_locale_reads_its_figures_with_small_counts_masked(net, api, tokens, figures):
    body = api(tokens["ml"]).get(URL).json()
    assert body["scope"] == "Mission locale du Grand Rodez"
    assert (body["sent"], body["young_people"], body["masked_below"]) == (7, 7, 5)
    counts = by_status(body)
    assert counts["sent"] == 6
    assert counts["refused"] is None  # 1: masked
    assert counts["completed"] == 0  # zero tells about nobody
    assert body["by_month"] == [{"month": f"{timezone.localdate():%Y-%m}", "sent": 7}]


def test_a_site_and_its_regional_centre(net, api, tokens, figures):
    assert api(tokens["site"]).get(URL).json()["sent"] == 8
    assert api(tokens["other_site"]).get(URL).json()["sent"] is None  # 1
    assert api(tokens["centre"]).get(URL).json()["sent"] == 9


def test_steering_reads_the_country_or_its_region(net, api, tokens, figures):
    national = api(tokens["steering"]).get(URL).json()
    assert (national["scope"], national["sent"]) == ("France", 9)
    occitanie = SteeringBodyFactory(code="DREETS-OCC", scope=SteeringScope.REGIONAL, region=net["region"])
    assert api(api_token_create(organisation=occitanie, name="t")[1]).get(URL).json()["sent"] == 9
    elsewhere = SteeringBodyFactory(
        code="DREETS-IDF", scope=SteeringScope.REGIONAL, region=RegionFactory(code="11", name="Île-de-France")
    )
    regional = api(api_token_create(organisation=elsewhere, name="t")[1]).get(URL).json()
    assert (regional["scope"], regional["sent"]) == ("Région Île-de-France", 0)


def test_the_period_bounds_the_figures(net, api, tokens, figures):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert api(tokens["ml"]).get(URL, {"start": tomorrow, "end": tomorrow}).json()["sent"] == 0
    response = api(tokens["ml"]).get(URL, {"start": "2030-01-02", "end": "2030-01-01"})
    assert response.status_code == 400


def test_counsellors_read_no_figures(net, client, figures):
    client.force_login(member(Role.COUNSELLOR, net["ml"]))
    assert client.get(URL).status_code == 403
