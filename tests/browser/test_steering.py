"""A steering user in a real browser: reads the national dashboard (aggregates only, small counts
masked) and downloads a table as CSV. axe-core checks the dashboard."""

import csv
import io

import pytest

from tests.browser.conftest import axe_check, log_in
from tests.browser.world import PASSWORD, build_world
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_steering_reads_the_national_dashboard_and_downloads_a_csv(new_page):
    world = build_world()
    people = YoungPersonFactory.create_batch(
        13, mission_locale=world.mission_locale, counsellor=world.counsellor, home_commune=world.rodez
    )
    for person in people[:7]:
        ReferralFactory(young_person=person, session=world.web_session)
    for person in people[7:]:
        ReferralFactory(young_person=person, session=world.payroll_session, enrolled=True)

    page = new_page()
    log_in(page, world.steering.email, PASSWORD)
    page.goto("/pilotage/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Tableau de bord")
    # Aggregates only: no young person's name anywhere on the page.
    assert not any(person.last_name in page.content() for person in people)
    statuses = page.locator("#tableau-statuts")
    assert "Statut actuel des orientations" in statuses.inner_text()
    axe_check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV — Statut actuel des orientations").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-statuts.csv")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Statut actuel", "Orientations", "Part des orientations (%)"]
    counts = {row[0]: row[1] for row in rows[1:]}
    assert (counts["Envoyée"], counts["Entrée en formation"], counts["Refusée"]) == ("7", "6", "0")
