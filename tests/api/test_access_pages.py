"""The "Accès à l'API" pages: managers create and revoke tokens and webhooks; a secret is shown once."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import member
from tremplin.accounts.enums import Role
from tremplin.api.models import ApiToken, Webhook, hash_token
from tremplin.api.services import api_token_create


def _secret(response) -> str:
    return re.search(r'id="secret" type="text" readonly value="([^"]+)"', response.content.decode())[1]


def _create_token(client, **data):
    default = {
        "name": "i-milo production",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
    }
    return client.post(reverse("api:token_create"), {**default, **data})


def test_a_manager_creates_a_token_shown_once(net, manager, login, api):
    client = login(manager)
    response = _create_token(client, can_write="on")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = _secret(response)
    token = ApiToken.objects.get()
    assert (token.key_hash, token.organisation_id, token.can_write, token.created_by) == (
        hash_token(raw),
        net["ml"].pk,
        True,
        manager,
    )
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + datetime.timedelta(days=91)
    # The list shows the beginning of the token, never the token again.
    page = client.get(reverse("api:access")).content.decode()
    assert "i-milo production" in page and token.prefix in page
    assert raw not in page
    assert api(raw).get("/api/v1/young-people/").status_code == 200


def test_a_regional_administrator_manages_the_centre_s_tokens(net, regional, login):
    response = _create_token(login(regional))
    assert response.status_code == 200
    assert ApiToken.objects.get().organisation_id == net["centre"].pk


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.CNAM_REFERENT, Role.STEERING])
def test_other_roles_cannot_reach_the_pages(net, login, role):
    organisation = {
        Role.COUNSELLOR: net["ml"],
        Role.CNAM_REFERENT: net["site"],
        Role.STEERING: net["steering"],
    }[role]
    client = login(member(role, organisation))
    assert client.get(reverse("api:access")).status_code == 403
    assert _create_token(client).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_cnam_referent_of_a_regional_centre_is_not_its_administrator(net, login):
    client = login(member(Role.CNAM_REFERENT, net["centre"]))
    assert client.get(reverse("api:access")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(net, client):
    response = client.get(reverse("api:access"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "   "}, "Donnez un nom au jeton."),
        ({"expires_on": "2001-01-01"}, "doit être à venir"),
        (
            {"expires_on": (timezone.localdate() + datetime.timedelta(days=800)).isoformat()},
            "deux ans au plus",
        ),
    ],
)
def test_token_form_errors_name_the_field(net, manager, login, data, message):
    response = _create_token(login(manager), **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_manager_revokes_a_token(net, manager, login, api):
    token, raw = api_token_create(organisation=net["ml"], name="ancien")
    client = login(manager)
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "est révoqué" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == manager and token.revoked_at is not None
    assert api(raw).get("/api/v1/young-people/").status_code == 401


def test_another_organisation_s_token_cannot_be_revoked(net, manager, login):
    token, _ = api_token_create(organisation=net["other_ml"], name="d'ailleurs")
    assert login(manager).post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_manager_registers_a_webhook_whose_secret_is_shown_once(net, manager, login):
    client = login(manager)
    response = client.post(reverse("api:webhook_create"), {"url": "https://imilo.example.fr/tremplin"})
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert _secret(response) == webhook.secret
    assert webhook.organisation_id == net["ml"].pk
    page = client.get(reverse("api:access")).content.decode()
    assert "https://imilo.example.fr/tremplin" in page and webhook.secret not in page
    client.post(reverse("api:webhook_deactivate", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert client.get(reverse("api:webhook_detail", args=[webhook.pk])).status_code == 200


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://imilo.example.fr/hook", "https://"),
        ("ftp://imilo.example.fr/hook", "commencer par https://"),
        ("pas une adresse", "Adresse invalide"),
        ("https://user:pass@imilo.example.fr/hook", "identifiant"),
    ],
)
def test_webhook_addresses_are_checked(net, manager, login, url, message):
    response = login(manager).post(reverse("api:webhook_create"), {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
