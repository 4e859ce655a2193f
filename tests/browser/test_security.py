"""In a real browser: the Content-Security-Policy lets DSFR's scripts (and Redoc's) run without a
single violation, and a person with an authentication app enters its code after the password."""

import pytest

from tests.accounts.second_factor import current_code, device_for
from tests.browser.world import PASSWORD
from tests.factories import member
from tremplin.accounts.enums import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    return violations


def test_dsfr_scripts_run_under_the_policy_without_violations(new_page):
    page = new_page()
    violations = csp_violations(page)
    response = page.goto("/compte/connexion/")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    # DSFR marks the document once its JavaScript has started.
    page.wait_for_function("() => document.documentElement.hasAttribute('data-fr-js')")
    # The mobile menu is DSFR JavaScript at work: it opens.
    page.set_viewport_size({"width": 400, "height": 800})
    page.get_by_role("button", name="Menu").click()
    assert page.locator("#fr-menu-mobile").evaluate("el => el.classList.contains('fr-modal--opened')")
    assert violations == []


def test_the_api_documentation_renders_under_the_policy(new_page):
    page = new_page()
    violations = csp_violations(page)
    page.goto("/api/v1/docs/")
    page.get_by_role("heading", name="API Tremplin").first.wait_for()
    # Redoc's page asks for Google's fonts and Redoc's logo: the policy refuses those third parties,
    # but no script, no worker.
    assert [v for v in violations if "script" in v or "worker" in v] == []


def test_a_person_with_an_authentication_app_enters_its_code(new_page):
    counsellor = member(Role.COUNSELLOR, email="camille@ml.example.org")
    device = device_for(counsellor)
    page = new_page()
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(counsellor.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert "/compte/double-authentification/" in page.url  # the password alone is not enough
    page.get_by_label("Code à 6 chiffres").fill(current_code(device))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    page.goto("/compte/")
    assert page.get_by_role("heading", name="Mon compte").is_visible()
    assert page.get_by_text("Activée").is_visible()
