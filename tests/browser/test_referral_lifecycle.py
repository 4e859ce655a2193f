"""A referral's life in a real browser: the Cnam referent acknowledges it, plans a meeting, admits
the young person and records the entry, writing in the thread; the counsellor then sees the new
status, the timeline and the messages, and answers. axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_check, log_in
from tests.browser.world import PASSWORD, build_world
from tests.youth.factories import YoungPersonFactory, born
from tremplin.referrals import services
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def step(page, accordion: str, submit: str, fill=None) -> None:
    """Open a step of the "Étape suivante" accordion, fill it, submit it, check the confirmation."""
    page.get_by_role("button", name=accordion, exact=True).click()
    form = page.locator("form", has=page.get_by_role("button", name=submit, exact=True))
    if fill:
        fill(form)
    form.get_by_role("button", name=submit, exact=True).click()
    page.wait_for_load_state()
    assert "c'est enregistré" in page.get_by_role("alert").first.inner_text()
    axe_check(page)


def status_badge(page) -> str:
    return page.locator("main h1 ~ p .fr-badge").first.text_content().strip()


def test_the_referent_processes_a_referral_and_the_counsellor_follows_it(new_page):
    world = build_world()
    person = YoungPersonFactory(
        first_name="Léa",
        last_name="Martin",
        birth_date=born(20),
        email="lea.martin@example.org",
        mission_locale=world.mission_locale,
        counsellor=world.counsellor,
        home_commune=world.rodez,
    )
    services.referral_send(
        young_person=person,
        user=world.counsellor,
        membership=world.counsellor.memberships.get(),
        session=world.web_session,
        message="Léa a fait un stage en agence web.",
    )

    cnam = new_page()
    log_in(cnam, world.referent.email, PASSWORD)
    axe_check(cnam)
    cnam.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Orientations reçues"
    ).click()
    axe_check(cnam)
    cnam.get_by_role("link", name="MARTIN Léa").click()
    cnam.wait_for_url(re.compile(r"/orientations/\d+/$"))
    assert status_badge(cnam) == "Envoyée"
    assert "Léa a fait un stage en agence web." in cnam.locator("#fil").inner_text()
    axe_check(cnam)

    step(cnam, "Prendre en charge", "Prendre en charge")
    assert status_badge(cnam) == "Prise en charge"

    meeting = timezone.localtime() + datetime.timedelta(days=7)
    meeting = meeting.replace(hour=10, minute=30, second=0, microsecond=0)

    def fill_meeting(form):
        form.get_by_label("Date et heure de l'entretien").fill(meeting.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_label("Lieu").fill("Cnam Rodez, salle 2")

    step(cnam, "Planifier un entretien", "Planifier l'entretien", fill_meeting)
    assert status_badge(cnam) == "Entretien planifié"
    assert "Cnam Rodez, salle 2" in cnam.locator("dl").first.inner_text()

    cnam.get_by_label("Message").fill("Entretien fixé ; merci de prévenir Léa.")
    cnam.get_by_role("button", name="Envoyer le message").click()
    cnam.wait_for_load_state()
    assert "Entretien fixé ; merci de prévenir Léa." in cnam.locator("#fil").inner_text()

    step(cnam, "Admettre", "Prononcer l'admission")
    assert status_badge(cnam) == "Admission prononcée"
    step(cnam, "Enregistrer l'entrée en formation", "Enregistrer l'entrée")
    assert status_badge(cnam) == "Entrée en formation"
    assert Referral.objects.get().status == ReferralStatus.ENROLLED

    # The counsellor, in another browser, sees the new status, the timeline and the thread.
    ml = new_page()
    log_in(ml, world.counsellor.email, PASSWORD)
    ml.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Orientations").click()
    row = ml.get_by_role("row", name=re.compile("MARTIN Léa"))
    assert "Entrée en formation" in row.text_content()
    assert "1 non lu" in row.text_content()
    axe_check(ml)
    row.get_by_role("link", name="MARTIN Léa").click()
    ml.wait_for_url(re.compile(r"/orientations/\d+/$"))
    assert status_badge(ml) == "Entrée en formation"
    timeline = ml.get_by_role("heading", name="Historique").locator("xpath=..").inner_text()
    for label in (
        "Envoyée",
        "Prise en charge",
        "Entretien planifié",
        "Admission prononcée",
        "Entrée en formation",
    ):
        assert label in timeline
    thread = ml.locator("#fil").inner_text()
    assert thread.index("Léa a fait un stage en agence web.") < thread.index("Entretien fixé ; merci")
    assert "Julien Roux" in thread
    axe_check(ml)

    ml.get_by_label("Message").fill("Merci, Léa a bien reçu la date.")
    ml.get_by_role("button", name="Envoyer le message").click()
    ml.wait_for_load_state()
    assert "Message envoyé." in ml.get_by_role("alert").first.inner_text()
    assert "Merci, Léa a bien reçu la date." in ml.locator("#fil").inner_text()
    axe_check(ml)
