"""A counsellor's journey in a real browser: log in, register a young person (commune autocomplete,
ROME picker), read the ranking of Cnam sessions, send a referral — with the mouse, then with the
keyboard only. axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_check, log_in, tab_to, tick
from tests.browser.world import PASSWORD, build_world
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.youth.models import YoungPerson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_the_same_journey_with_the_keyboard_only(new_page):
    """No mouse: Tab, Shift+Tab, arrows, Space and Enter only, with the focus visible at each stop."""
    world = build_world()
    page = new_page()
    keyboard = page.keyboard

    page.goto("/compte/connexion/")
    tab_to(page, page.get_by_role("textbox", name="Adresse électronique"))
    keyboard.type(world.counsellor.email)
    tab_to(page, page.get_by_label("Mot de passe"))
    keyboard.type(PASSWORD)
    with page.expect_navigation():
        keyboard.press("Enter")
    assert page.get_by_role("button", name="Se déconnecter").is_visible()

    # The skip link leads to the main menu; the menu to the young people.
    tab_to(page, page.get_by_role("link", name="Menu", exact=True))
    keyboard.press("Enter")
    tab_to(page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Jeunes"))
    keyboard.press("Enter")
    page.wait_for_url("**/jeunes/")
    tab_to(page, page.get_by_role("link", name="Inscrire un ou une jeune"))
    keyboard.press("Enter")
    page.wait_for_url("**/jeunes/nouveau/")

    tab_to(page, page.get_by_role("textbox", name="Prénom"))
    keyboard.type("Yanis")
    tab_to(page, page.get_by_role("textbox", name="Nom", exact=True))
    keyboard.type("Benali")
    # Day and month equal: the date field reads the same in French (day first) or English order.
    birth = datetime.date(timezone.localdate().year - 20, 3, 3)
    tab_to(page, page.get_by_label("Date de naissance"))
    keyboard.type(birth.strftime("%d%m%Y"))
    assert page.get_by_label("Date de naissance").input_value() == birth.isoformat()

    commune = page.get_by_role("combobox", name="Commune de résidence")
    tab_to(page, commune)
    keyboard.type("rode")
    page.get_by_role("option", name=re.compile(r"^Rodez \(12\)")).wait_for()
    keyboard.press("ArrowDown")
    assert commune.get_attribute("aria-activedescendant")
    keyboard.press("Enter")  # chooses the proposal, does not submit the form
    assert commune.input_value() == "Rodez (12)"
    assert page.url.endswith("/jeunes/nouveau/")

    level = page.get_by_label("Niveau du diplôme le plus élevé")
    tab_to(page, level)
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    assert level.input_value() == "4"
    tab_to(page, page.get_by_role("checkbox", name="Baccalauréat obtenu"))
    keyboard.press("Space")
    assert page.get_by_role("checkbox", name="Baccalauréat obtenu").is_checked()

    interests = page.get_by_role("combobox", name="Métiers qui l'intéressent (fiches ROME)")
    tab_to(page, interests)
    keyboard.type("développeur")
    page.get_by_role("option", name=re.compile(r"^M1805")).wait_for()
    keyboard.press("ArrowDown")
    keyboard.press("Enter")
    assert page.get_by_role(
        "button", name="Retirer M1805 – Études et développement informatique"
    ).is_visible()
    assert page.url.endswith("/jeunes/nouveau/")

    consent = page.get_by_role(
        "checkbox",
        name="La personne accepte que ces informations soient transmises au Cnam pour une orientation",
    )
    tab_to(page, consent)
    keyboard.press("Space")
    assert consent.is_checked()
    tab_to(page, page.get_by_role("button", name="Créer la fiche"))
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/jeunes/\d+/$"))
    assert YoungPerson.objects.get(last_name="Benali").interests.get().code == "M1805"

    orient = page.get_by_role("link", name=re.compile(r"^Orienter vers Développeur web et web mobile"))
    tab_to(page, orient)
    keyboard.press("Enter")
    page.wait_for_url("**/orientations/nouvelle/?*")
    tab_to(page, page.get_by_label("Message au Cnam (facultatif)"))
    keyboard.type("Envoyée sans souris.")
    tab_to(page, page.get_by_role("button", name="Envoyer l'orientation"))
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/orientations/\d+/$"))

    referral = Referral.objects.get()
    assert (referral.young_person.last_name, referral.session, referral.status) == (
        "Benali",
        world.web_session,
        ReferralStatus.SENT,
    )
    assert "Envoyée sans souris." in page.locator("#fil").inner_text()
