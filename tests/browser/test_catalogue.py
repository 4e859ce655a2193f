"""The public catalogue, in a real browser: anyone searches Cnam courses near a commune."""

import pytest

from tests.browser.conftest import axe_check
from tests.browser.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_finds_courses_near_a_commune_and_opens_one(new_page):
    build_world()
    page = new_page()

    page.goto("/formations/")
    assert page.title() == "Catalogue des formations du Cnam — Tremplin"
    axe_check(page)

    page.get_by_label("Mots-clés").fill("développeur")
    page.get_by_label("Près de la commune").fill("Rodez")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/formations/?*")

    status = page.get_by_role("status")
    assert status.inner_text().strip() == "1 formation"
    card = page.get_by_role("article")
    assert "Cnam Aveyron – Rodez" in card.inner_text()
    axe_check(page)

    card.get_by_role("link", name="Développeur web et web mobile").click()
    page.wait_for_url("**/formations/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Développeur web et web mobile"
    axe_check(page)


def test_the_accessibility_check_catches_a_serious_violation(new_page):
    """The axe-core check the journeys rely on really fails a page with an unlabelled field."""
    page = new_page()
    page.goto("/formations/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    with pytest.raises(AssertionError, match="label"):
        axe_check(page)


@pytest.mark.parametrize(
    "url, heading",
    [
        ("/", None),
        ("/accessibilite/", "Déclaration d'accessibilité"),
        ("/mentions-legales/", None),
        ("/donnees-personnelles/", None),
        ("/compte/mot-de-passe/oublie/", None),
    ],
)
def test_public_pages_pass_the_accessibility_check(new_page, url, heading):
    page = new_page()
    page.goto(url)
    assert page.get_by_role("heading", level=1).count() == 1
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    axe_check(page)
