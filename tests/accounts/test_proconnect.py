"""ProConnect login against a local fake provider (tests/accounts/fake_proconnect.py), through the
real redirections: Tremplin → provider's authorization endpoint → back with a code → token, JWKS and
userinfo calls from the server."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import override_settings
from django.urls import reverse

from tests.accounts.fake_proconnect import FakeProConnect
from tests.factories import UserFactory, member
from tremplin.accounts.enums import Role


@pytest.fixture
def provider():
    with FakeProConnect() as fake, override_settings(**fake.settings()):
        yield fake


def text(response) -> str:
    return html.unescape(response.content.decode())


def sign_in_at_provider(client, next_url=None):
    """Click the button, let the provider authenticate and send the browser back to Tremplin."""
    url = reverse("accounts:proconnect_login") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(url)
    assert to_provider.status_code == 302
    assert to_provider.url.startswith(f"{provider_url(to_provider)}/authorize?")
    back = requests.get(to_provider.url, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == reverse("accounts:proconnect_callback")
    return client.get(f"{callback.path}?{callback.query}")


def provider_url(response) -> str:
    parts = urlsplit(response.url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_login_page_offers_proconnect_only_when_configured(client, provider):
    assert "Se connecter avec ProConnect" in client.get(reverse("accounts:login")).content.decode()
    with override_settings(TREMPLIN_PROCONNECT_ENABLED=False):
        assert "ProConnect" not in client.get(reverse("accounts:login")).content.decode()
        assert client.get(reverse("accounts:proconnect_login")).status_code == 404
        assert client.get(reverse("accounts:proconnect_callback")).status_code == 404


def test_a_known_address_signs_in(client, provider):
    user = member(Role.COUNSELLOR, email="camille@ml.example.org")
    provider.email = "Camille@ML.example.org"  # matched whatever the case
    response = sign_in_at_provider(client, next_url=reverse("youth:list"))
    assert response.status_code == 302
    assert response.url == reverse("youth:list")
    assert client.get(reverse("accounts:account")).context["user"] == user


def test_an_unknown_address_is_refused_and_told_to_ask_an_administrator(client, provider):
    UserFactory(email="camille@ml.example.org")
    provider.email = "inconnu@administration.gouv.fr"
    response = sign_in_at_provider(client)
    assert response.url == reverse("accounts:login")
    page = text(client.get(response.url))
    assert "Aucun compte Tremplin actif n'existe pour l'adresse inconnu@administration.gouv.fr" in page
    assert "Demandez à l'administrateur·rice de Tremplin" in page
    assert not client.get(reverse("accounts:login")).wsgi_request.user.is_authenticated
    from tremplin.accounts.models import User

    assert not User.objects.filter(email="inconnu@administration.gouv.fr").exists()


def test_an_inactive_account_is_refused(client, provider):
    UserFactory(email="camille@ml.example.org", is_active=False)
    response = sign_in_at_provider(client)
    assert response.url == reverse("accounts:login")
    assert "Aucun compte Tremplin actif" in text(client.get(response.url))


@pytest.mark.parametrize("forgery", ["nonce", "signature"])
def test_a_forged_id_token_is_refused(client, provider, forgery):
    UserFactory(email="camille@ml.example.org")
    setattr(provider, f"forge_{forgery}", True)
    response = sign_in_at_provider(client)
    assert response.url == reverse("accounts:login")
    assert "La connexion avec ProConnect n'a pas abouti." in text(client.get(response.url))
    assert not client.get(reverse("accounts:account")).wsgi_request.user.is_authenticated


def test_an_answer_with_an_unknown_state_is_refused(client, provider):
    UserFactory(email="camille@ml.example.org")
    to_provider = client.get(reverse("accounts:proconnect_login"))
    back = urlsplit(requests.get(to_provider.url, allow_redirects=False, timeout=10).headers["Location"])
    query = parse_qs(back.query)
    response = client.get(back.path, {"code": query["code"][0], "state": "etat-forge"})
    assert response.url == reverse("accounts:login")
    assert "La connexion avec ProConnect n'a pas abouti." in text(client.get(response.url))
    assert not client.get(reverse("accounts:account")).wsgi_request.user.is_authenticated


def test_a_steering_member_still_owes_the_second_factor(client, provider):
    member(Role.STEERING, email="camille@ml.example.org")
    sign_in_at_provider(client)
    response = client.get(reverse("stats:dashboard"))
    assert response.url.startswith(reverse("accounts:second_factor_verify"))


def test_logout_signs_out_of_proconnect_too(client, provider):
    member(Role.COUNSELLOR, email="camille@ml.example.org")
    sign_in_at_provider(client)
    response = client.post(reverse("accounts:logout"))
    assert response.url.startswith(f"{provider.url}/logout?")
    back = requests.get(response.url, allow_redirects=False, timeout=10)
    assert back.headers["Location"] == "http://testserver/"
    assert provider.logouts[0]["id_token_hint"].count(".") == 2  # the ID token ProConnect gave
    assert client.get(reverse("accounts:account")).status_code == 302


def test_a_password_login_logs_out_locally_only(login, provider):
    client = login(member(Role.COUNSELLOR))
    assert client.post(reverse("accounts:logout")).url == "/"
