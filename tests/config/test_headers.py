"""Security headers and cookies on real responses of the production settings (config.settings.prod),
and a Content-Security-Policy without inline scripts everywhere, the API docs and the admin included."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
HOST = "tremplin.example.gouv.fr"

# Runs in a fresh interpreter under the production settings (they cannot be loaded beside the test
# settings): answers a few requests with Django's test client and prints what a browser would see.
PROBE = r"""
import json
import django

django.setup()
from django.core.management import call_command
from django.test import Client

from tremplin.accounts.models import User

HOST = "tremplin.example.gouv.fr"
call_command("migrate", verbosity=0)
User.objects.create_user("camille@ml.example.org", "un-mot-de-passe-solide-2025")


def seen(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {name: dict(morsel) for name, morsel in response.cookies.items()},
        "body": response.content.decode(errors="replace"),
    }


plain = Client(HTTP_HOST=HOST)
tls = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
pages = {
    "http": seen(plain.get("/compte/connexion/")),
    "login": seen(tls.get("/compte/connexion/")),
    "signed_in": seen(
        tls.post("/compte/connexion/", {"username": "camille@ml.example.org", "password": "un-mot-de-passe-solide-2025"})
    ),
    "api_docs": seen(tls.get("/api/v1/docs/")),
    "admin_login": seen(tls.get("/admin/login/")),
}
print(json.dumps(pages))
"""


@pytest.fixture(scope="module")
def prod():
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="une-cle-de-production-longue-et-aleatoire-0123456789-abcdefghij",
        ALLOWED_HOSTS=HOST,
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def csp(page) -> dict[str, list[str]]:
    header = page["headers"]["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_plain_http_is_redirected_to_https(prod):
    assert prod["http"]["status"] == 301
    assert prod["http"]["headers"]["Location"] == f"https://{HOST}/compte/connexion/"


def test_hsts_for_a_year_with_subdomains_and_preload(prod):
    assert (
        prod["login"]["headers"]["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )


def test_no_framing_no_sniffing_and_a_same_origin_referrer(prod):
    headers = prod["login"]["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert csp(prod["login"])["frame-ancestors"] == ["'none'"]


def test_cookies_are_secure_and_the_session_one_unreadable_by_scripts(prod):
    csrf = prod["login"]["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert prod["signed_in"]["status"] == 302
    session = prod["signed_in"]["cookies"]["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == 8 * 3600


def test_scripts_need_this_site_or_the_page_nonce_never_inline(prod):
    policy = csp(prod["login"])
    nonce = next(source for source in policy["script-src"] if source.startswith("'nonce-"))
    assert policy["script-src"] == ["'self'", nonce]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    # DSFR's scripts carry the nonce of the page that served them.
    dsfr_tags = re.findall(r"<script[^>]*dsfr[^>]*>", prod["login"]["body"])
    assert dsfr_tags and all(f'nonce="{nonce[7:-1]}"' in tag for tag in dsfr_tags)


@pytest.mark.parametrize("page", ["login", "api_docs", "admin_login"])
def test_pages_work_without_inline_scripts(prod, page):
    """The Redoc page (drf-spectacular without REDOC_UI_SETTINGS) and Django's admin load every script
    from a file: the site-wide policy suits them without any exception."""
    assert prod[page]["status"] == 200
    assert "'unsafe-inline'" not in csp(prod[page])["script-src"]
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", prod[page]["body"], flags=re.S)
    assert scripts and all(not body.strip() for body in scripts)
    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", prod[page]["body"])


def test_the_redoc_page_loads_its_bundle_from_this_site(prod):
    body = prod["api_docs"]["body"]
    assert re.search(
        r'<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc\.standalone[^"]*\.js"', body
    )
    assert "blob:" in csp(prod["api_docs"])["worker-src"]  # Redoc's search worker


def test_no_template_of_ours_has_an_inline_script_or_event_handler():
    """An inline script or an onclick= would be blocked by the policy: none may be written."""
    offenders = []
    for template in (ROOT / "tremplin").rglob("*.html"):
        source = template.read_text()
        inline = re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", source)
        handlers = re.findall(r"<[^>]*\son[a-z]+\s*=", source)
        if inline or handlers:
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_the_policy_is_on_in_every_environment(client):
    response = client.get(reverse("accounts:login"))
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
