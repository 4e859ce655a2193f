"""Browser journeys: Playwright for Python drives Debian's Chromium against pytest-django's live server.

Playwright's own browser download does not work where Tremplin is built, so the browser is the
system's Chromium (``CHROMIUM`` or /usr/bin/chromium), launched headless with its path given. Outside
CI, a machine without Chromium or Playwright skips these tests with the reason; in CI (``CI=true``)
a missing browser is an error, so the journeys cannot silently stop running.

axe-core (the JavaScript accessibility engine) comes from the ``axe-playwright-python`` package,
which ships ``axe.min.js``: :func:`axe_check` injects it in the page and fails on any serious or
critical violation.
"""

import base64
import json
import os
import shutil
from importlib import resources
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Serious and critical violations fail a journey; minor and moderate ones are reported, not fatal.
BLOCKING_IMPACTS = {"serious", "critical"}
# The RGAA is based on WCAG 2.1 AA: those rules, plus axe's best practices (landmarks, headings).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


def _unavailable() -> str | None:
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"Playwright ou axe-playwright-python n'est pas installé ({error.name})."
    if chromium_path() is None:
        return "Chromium est introuvable (/usr/bin/chromium ; apt-get install chromium)."
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: parcours dans un vrai navigateur (Playwright + Chromium)")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    reason = _unavailable()
    if reason is None or _in_ci():  # in CI the browser must be there: the chromium fixture fails
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"Parcours navigateur ignorés : {reason}"))


@pytest.fixture(autouse=True)
def _fresh_rome_index():
    """The ROME picker's per-process index must not outlive another test's database (the commune
    and matching indexes are reset by tests/conftest.py)."""
    from tremplin.youth.lookups import forget_rome_index

    forget_rome_index()
    yield
    forget_rome_index()


@pytest.fixture
def chromium(live_server, monkeypatch):
    """One browser per test. Playwright's sync API keeps an asyncio loop running in the test's
    thread for as long as it is open: it starts after the database is set up and stops before it is
    flushed, so no other test ever sees that loop."""
    reason = _unavailable()
    if reason is not None:
        pytest.fail(f"CI=true mais les parcours navigateur ne peuvent pas tourner : {reason}")
    from playwright.sync_api import sync_playwright

    # The test's own ORM calls (factories, assertions) stay synchronous beside that loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """``new_page()``: a fresh browser (own cookies) at the live server; closed after the test."""
    contexts = []

    def _new_page(*, width=1280, height=900):
        context = chromium.new_context(
            base_url=live_server.url, locale="fr-FR", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        return page

    page_errors: list[str] = []
    yield _new_page
    for context in contexts:
        context.close()
    assert not page_errors, f"Erreurs JavaScript dans les pages : {page_errors}"


def log_in(page, email: str, password: str) -> None:
    """Through the login form, as a person would; then, for staff and steering members, the second
    factor: a code computed from the secret of their app (set up on the spot, from the key the page
    shows, if they have none yet)."""
    page.goto("/compte/connexion/")
    axe_check(page)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "/compte/double-authentification/activer/" in page.url:
        axe_check(page)
        secret = page.locator("#secret-key").inner_text().replace(" ", "")
        page.get_by_label("Code à 6 chiffres").fill(_totp(base64.b32decode(secret)))
        page.get_by_role("button", name="Activer").click()
        page.wait_for_load_state()
    elif "/compte/double-authentification/" in page.url:
        from tests.accounts.second_factor import current_code
        from tremplin.accounts import second_factor
        from tremplin.accounts.models import User

        axe_check(page)
        device = second_factor.confirmed_device(User.objects.get(email=email))
        page.get_by_label("Code à 6 chiffres").fill(current_code(device))
        page.get_by_role("button", name="Vérifier").click()
        page.wait_for_load_state()
    assert "/compte/connexion/" not in page.url, f"connexion refusée ({page.url})"
    assert "/compte/double-authentification/" not in page.url, f"code refusé ({page.url})"


def _totp(key: bytes) -> str:
    from django_otp.oath import totp

    return f"{totp(key):06d}"


def tick(page, label: str) -> None:
    """Tick a DSFR checkbox as a person does: by clicking its label (drawn over the native box)."""
    page.locator("label", has_text=label).click()
    assert page.get_by_role("checkbox", name=label).is_checked(), label


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()
    return _AXE_SOURCE


def axe_check(page, *, context: str | None = None) -> list[dict]:
    """Run axe-core on the page as it is now; fail on serious or critical violations.

    Returns every violation (minor and moderate included) for tests that want to look further."""
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the page's
        # Content-Security-Policy rightly refuses inline scripts.
        page.evaluate(_axe_source() + "\n;void 0")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(
        "([context, options]) => axe.run(context || document, options)", [context, options]
    )
    violations = result["violations"]
    if os.environ.get("AXE_REPORT"):  # every finding, minor ones included, one JSON line per page
        with open(os.environ["AXE_REPORT"], "a", encoding="utf-8") as report:
            found = [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations]
            report.write(json.dumps({"url": page.url, "violations": found}, ensure_ascii=False) + "\n")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core sur {page.url} :\n" + json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
                "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
            }
            for v in blocking
        ],
        ensure_ascii=False,
        indent=1,
    )
    return violations


_FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const drawn = (node, pseudo) => {
    const style = getComputedStyle(node, pseudo);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || (style.boxShadow && style.boxShadow !== "none");
  };
  if (drawn(el, null) || drawn(el, "::before") || drawn(el, "::after")) return true;
  // DSFR checkboxes and radios draw their box (and its focus ring) on the label.
  const label = el.id && document.querySelector(`label[for="${el.id}"]`);
  if (label && (drawn(label, "::before") || drawn(label, null))) return true;
  // DSFR "enlarged" links (cards, brand blocks) draw the ring on the block (:focus-within).
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    if (drawn(node, null)) return true;
  }
  return false;
}"""


def tab_to(page, target, *, backwards=False, limit=120) -> None:
    """Press Tab (or Shift+Tab) until ``target`` (a locator) has the focus; every element reached on
    the way must show where the focus is (an outline or a ring), as RGAA criterion 10.7 asks."""
    key = "Shift+Tab" if backwards else "Tab"
    if target.evaluate("el => el === document.activeElement"):  # e.g. an autofocus field
        return
    for _ in range(limit):
        page.keyboard.press(key)
        described = page.evaluate(
            "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : ''; }"
        )
        assert page.evaluate(_FOCUS_SHOWN), f"Le focus n'est pas visible sur {described} ({page.url})"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} jamais atteint au clavier après {limit} tabulations ({page.url})")
