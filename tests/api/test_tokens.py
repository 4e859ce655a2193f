"""Tokens: how a caller is recognised, what a token may do, and how operators create one."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import problem_of
from tremplin.api.models import ApiToken, hash_token
from tremplin.api.services import api_token_create, api_token_revoke

ME = "/api/v1/young-people/"


def test_a_token_is_stored_hashed_and_recognised(net, api):
    token, raw = api_token_create(organisation=net["ml"], name="i-milo")
    assert raw.startswith("trp_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw)
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert api(raw).get(ME).status_code == 200


def test_without_token_a_private_resource_answers_401_with_the_scheme(net, api):
    response = api().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization" in problem_of(response)["detail"]


@pytest.mark.parametrize(
    "header, message",
    [
        ("Bearer trp_nimportequoi", "Jeton inconnu"),
        ("Bearer abc", "commence par « trp_ »"),
        ("Bearer", "mal formé"),
        ("Bearer trp_a trp_b", "mal formé"),
    ],
)
def test_a_wrong_token_is_401_even_on_a_public_resource(net, api, header, message):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/sites/")
    assert response.status_code == 401
    assert message in problem_of(response)["detail"]


def test_a_revoked_token_stops_at_once(net, api):
    token, raw = api_token_create(organisation=net["ml"], name="i-milo")
    assert api(raw).get(ME).status_code == 200
    api_token_revoke(token=token, user=None)
    response = api(raw).get(ME)
    assert response.status_code == 401
    assert "révoqué" in problem_of(response)["detail"]


def test_an_expired_token_is_refused_with_its_date(net, api):
    token, raw = api_token_create(organisation=net["ml"], name="i-milo")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = api(raw).get(ME)
    assert response.status_code == 401
    assert "expiré" in problem_of(response)["detail"]


def test_last_use_is_recorded(net, api):
    token, raw = api_token_create(organisation=net["ml"], name="i-milo")
    assert token.last_used_at is None
    api(raw).get(ME)
    token.refresh_from_db()
    assert token.last_used_at is not None and timezone.now() - token.last_used_at < datetime.timedelta(
        seconds=5
    )


def test_a_read_only_token_cannot_write(net, api, tokens):
    response = api(tokens["ml_read"]).post(ME, {"first_name": "Léa"}, format="json")
    assert response.status_code == 403
    assert "lecture seule" in problem_of(response)["detail"]


def test_a_read_only_token_may_ask_for_a_ranking(net, api, tokens):
    """A computation writes nothing: the read scope is enough."""
    response = api(tokens["ml_read"]).post("/api/v1/recommendations/", {"commune": "12202"}, format="json")
    assert response.status_code == 200


def test_a_signed_in_person_uses_the_api_with_their_session(net, counsellor, client):
    client.force_login(counsellor)
    assert client.get(ME).status_code == 200


def test_a_session_post_needs_the_csrf_token(net, counsellor, person):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(counsellor)
    response = client.post(ME, {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in problem_of(response)["detail"]


# ---------------------------------------------------------------------------------------------------
# create_api_token


def test_create_api_token_prints_the_token_once(net, api):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "--organisation",
        "12202S00",
        "--name",
        "i-milo",
        "--scopes",
        "read,write",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert (token.organisation_id, token.name, token.can_write) == (net["ml"].pk, "i-milo", True)
    assert "ne sera plus affiché" in err.getvalue()
    assert api(raw).get(ME).status_code == 200


def test_create_api_token_is_read_only_by_default_and_expires(net):
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--organisation",
        "CNAM-RODEZ",
        "--name",
        "outil",
        "--expires-in-days",
        "30",
        stdout=out,
        stderr=io.StringIO(),
    )
    token = ApiToken.objects.get(key_hash=hash_token(out.getvalue().strip()))
    assert not token.can_write
    assert abs((token.expires_at - timezone.now()) - datetime.timedelta(days=30)) < datetime.timedelta(
        minutes=1
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--organisation", "INCONNU", "--name", "x"], "Aucune organisation n'a le code « INCONNU »"),
        (["--organisation", "12202S00", "--name", "  "], "ne peut pas être vide"),
        (["--organisation", "12202S00", "--name", "x", "--scopes", "read,admin"], "Droits inconnus"),
        (["--organisation", "12202S00", "--name", "x", "--expires-in-days", "0"], "--expires-in-days"),
    ],
)
def test_create_api_token_refuses_bad_input(net, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_the_schema_and_docs_are_public(net, client):
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"Authorization: Bearer" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"redoc" in docs.content.lower()
