import pytest
from django.urls import reverse

from tests.factories import member
from tremplin.accounts.enums import Role


@pytest.mark.parametrize("name", ["pages:home", "pages:accessibility", "pages:legal", "pages:personal_data"])
def test_public_pages_open_without_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "Tremplin" in response.content.decode()


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.COUNSELLOR, "Orienter un jeune vers le Cnam"),
        (Role.ML_MANAGER, "Orienter un jeune vers le Cnam"),
        (Role.CNAM_REFERENT, "Orientations reçues"),
        (Role.CNAM_REGIONAL, "Orientations reçues"),
        (Role.STEERING, "Pilotage de la convention"),
    ],
)
def test_home_page_depends_on_role(login, role, expected):
    client = login(member(role))
    response = client.get(reverse("pages:home"))
    assert expected in response.content.decode()


def test_state_brand_can_be_switched_off(client, settings):
    settings.TREMPLIN_STATE_BRAND = False
    settings.TREMPLIN_OPERATOR_NAME = "Opérateur régional"
    html = client.get(reverse("pages:home")).content.decode()
    assert "République<br>française" not in html
    assert "Opérateur régional" in html
