"""A counsellor's journey in a real browser: log in, register a young person (commune autocomplete,
ROME picker), read the ranking of Cnam sessions, send a referral — with the mouse, then with the
keyboard only. axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_check, log_in, tick
from tests.browser.world import PASSWORD, build_world
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.youth.models import YoungPerson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def nineteen_years_ago() -> str:
    today = timezone.localdate()
    return (today.replace(year=today.year - 19) - datetime.timedelta(days=40)).isoformat()


def test_counsellor_registers_a_young_person_reads_the_ranking_and_sends_a_referral(new_page):
    world = build_world()
    page = new_page()

    log_in(page, world.counsellor.email, PASSWORD)
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Jeunes").click()
    axe_check(page)
    page.get_by_role("link", name="Inscrire un ou une jeune").click()
    page.wait_for_url("**/jeunes/nouveau/")
    axe_check(page)

    page.get_by_label("Prénom").fill("Inès")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Garcia")
    page.get_by_label("Date de naissance").fill(nineteen_years_ago())
    page.get_by_label("Adresse électronique").fill("ines.garcia@example.org")

    # Commune autocomplete: typing proposes communes from the API; a click chooses one.
    commune = page.get_by_role("combobox", name="Commune de résidence")
    commune.press_sequentially("rode")
    proposal = page.get_by_role("option", name=re.compile(r"^Rodez \(12\)"))
    proposal.click()
    assert commune.input_value() == "Rodez (12)"
    assert commune.get_attribute("aria-expanded") == "false"

    page.get_by_label("Niveau du diplôme le plus élevé").select_option("4")
    tick(page, "Baccalauréat obtenu")

    # ROME picker: a search over fiches and appellations; the chosen fiche becomes a removable tag.
    interests = page.get_by_role("combobox", name="Métiers qui l'intéressent (fiches ROME)")
    interests.press_sequentially("développeur")
    page.get_by_role("option", name=re.compile(r"^M1805 – Études et développement informatique")).click()
    tag = page.get_by_role("button", name="Retirer M1805 – Études et développement informatique")
    assert tag.is_visible()
    assert interests.input_value() == ""
    axe_check(page)  # with the tags and the live regions of the pickers in place

    tick(page, "La personne accepte que ces informations soient transmises au Cnam pour une orientation")
    page.get_by_role("button", name="Créer la fiche").click()
    page.wait_for_url(re.compile(r"/jeunes/\d+/$"))

    assert page.get_by_role("alert").first.inner_text().strip() == "La fiche de Inès Garcia est créée."
    person = YoungPerson.objects.get(last_name="Garcia")
    assert person.home_commune_id == "12202"
    assert [f.code for f in person.interests.all()] == ["M1805"]

    # The ranking: the web developer course at Rodez comes first, with its reasons.
    ranking = page.locator(".tremplin-ranking").first
    first = ranking.get_by_role("listitem").first
    assert first.get_by_role("heading", level=3).inner_text() == "Développeur web et web mobile"
    assert "Cnam Aveyron – Rodez" in first.inner_text()
    assert re.search(r"Développement informatique|développement informatique", first.inner_text())
    axe_check(page)

    first.get_by_role("link", name=re.compile(r"^Orienter vers Développeur web et web mobile")).click()
    page.wait_for_url("**/orientations/nouvelle/?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Orienter Inès Garcia"
    axe_check(page)

    page.get_by_label("Message au Cnam (facultatif)").fill("Inès code déjà des petits sites, très motivée.")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    page.wait_for_url(re.compile(r"/orientations/\d+/$"))

    assert "Orientation envoyée à Cnam Aveyron – Rodez." in page.get_by_role("alert").first.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Orientation de Inès GARCIA"
    assert page.locator(".fr-badge", has_text="Envoyée").first.is_visible()
    assert "Inès code déjà des petits sites" in page.locator("#fil").inner_text()
    axe_check(page)

    referral = Referral.objects.get()
    assert (referral.young_person, referral.session, referral.status) == (
        person,
        world.web_session,
        ReferralStatus.SENT,
    )

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Orientations").click()
    assert page.get_by_role("link", name=re.compile("Garcia", re.I)).first.is_visible()
    axe_check(page)
