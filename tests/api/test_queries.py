"""Every list answers in a number of queries that does not grow with the page's content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.catalog.models import RomeFiche
from tremplin.youth.models import YoungPersonAccess


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(captured)


def grow(net, rome, n):
    fiche = RomeFiche.objects.get(code="M1805")
    for i in range(n):
        session = cnam_session(
            net["site"] if i % 2 else net["other_site"], title=f"Formation {i}", rome="M1805"
        )
        person = YoungPersonFactory(mission_locale=net["ml"], home_commune=net["rodez"], interests=[fiche])
        ReferralFactory(young_person=person, session=session)


@pytest.mark.parametrize(
    "who, url, params",
    [
        (None, "/api/v1/sites/", None),
        (None, "/api/v1/trainings/", {"commune": "12202", "radius": 100}),
        (None, "/api/v1/sessions/", {"commune": "12202", "radius": 100}),
        ("ml", "/api/v1/young-people/", None),
        ("ml", "/api/v1/referrals/", None),
        ("centre", "/api/v1/referrals/", None),
    ],
)
def test_lists_take_a_fixed_number_of_queries(net, rome, api, tokens, who, url, params):
    client = api(tokens[who] if who else None)
    client.get(url)  # the token's first use of the minute records it: not a cost of the list
    grow(net, rome, 2)
    few = queries(client, url, params)
    grow(net, rome, 8)
    assert queries(client, url, params) == few


def test_list_reads_of_records_are_logged(net, rome, api, tokens):
    grow(net, rome, 3)
    api(tokens["ml"]).get("/api/v1/young-people/")
    assert YoungPersonAccess.objects.filter(organisation=net["ml"]).count() == 3
    api(tokens["site"]).get("/api/v1/referrals/")
    assert YoungPersonAccess.objects.filter(organisation=net["site"]).count() == 1
