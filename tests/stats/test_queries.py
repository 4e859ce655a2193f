"""Pages run a bounded number of SQL queries, whatever the number of referrals and organisations."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CnamSiteFactory, MissionLocaleFactory, member
from tests.stats.factories import referral
from tests.youth.factories import YoungPersonFactory
from tremplin.accounts.enums import Role
from tremplin.referrals.enums import ReferralStatus
from tremplin.stats.services import aggregates_refresh

PERIOD = "start=2025-01&end=2025-03"


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def grow(world, n: int) -> None:
    """More missions locales, sites, young people and referrals."""
    for i in range(n):
        ml = MissionLocaleFactory(commune=world.communes.toulouse)
        site = CnamSiteFactory(parent=world.sites.occitanie, commune=world.communes.rodez)
        person = YoungPersonFactory(mission_locale=ml, home_commune=world.communes.espalion)
        referral(person, site=site, status=ReferralStatus.SENT, sent=f"2025-02-{i + 1:02d} 10:00")
        referral(
            person,
            site=world.sites.rodez,
            status=ReferralStatus.WITHDRAWN,
            sent="2025-03-02 10:00",
            withdrawal_reason="mistake",
            ended_at="2025-03-03 10:00",
        )


def test_dashboards_query_counts_do_not_grow(world, login):
    steering = login(member(Role.STEERING))
    urls = [
        f"/pilotage/?{PERIOD}",
        f"/pilotage/?scope=department:12&{PERIOD}",
        f"/pilotage/export/tableaux.xlsx?{PERIOD}",
    ]
    live = count(steering, urls[0])  # before any refresh, France is counted live
    aggregates_refresh()
    before = [count(steering, url) for url in urls]
    assert before[0] == live + 1  # the cells, then the distinct young people
    grow(world, 6)
    aggregates_refresh()
    assert [count(steering, url) for url in urls] == before
    assert max(before) <= 25


def test_reach_page_query_count_does_not_grow(world, login):
    steering = login(member(Role.STEERING))
    before = count(steering, "/pilotage/portee/")
    grow(world, 5)
    assert count(steering, "/pilotage/portee/") == before <= 20
