"""Strong passwords (12 characters at least, not common, not all digits, not like the name) wherever
one is chosen: the account page, the admin, and (see test_create_user, test_views) the command and
the reset link."""

import html

import pytest
from django.urls import reverse

from tests.factories import UserFactory, member
from tremplin.accounts.enums import Role

OLD = "motdepasse-de-test"


def change(client, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": OLD, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("Court-1", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("123456789012", "Ce mot de passe est entièrement numérique."),
        ("password1234", "Ce mot de passe est trop courant."),
        ("camille.durand@ml", "Le mot de passe est trop semblable au champ «\xa0adresse électronique\xa0»."),
    ],
)
def test_a_weak_new_password_is_refused_in_french(login, weak, message):
    client = login(member(Role.COUNSELLOR, email="camille.durand@ml.example.org"))
    response = change(client, weak)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert client.login(username="camille.durand@ml.example.org", password=OLD)


def test_a_strong_password_is_changed_from_the_account_page(login):
    user = member(Role.COUNSELLOR, email="camille.durand@ml.example.org")
    client = login(user)
    assert reverse("accounts:password_change") in client.get(reverse("accounts:account")).content.decode()
    response = change(client, "Orientation-vers-le-Cnam-2025")
    assert response.url == reverse("accounts:account")
    assert "Votre mot de passe a été changé." in client.get(response.url).content.decode()
    assert client.login(username=user.email, password="Orientation-vers-le-Cnam-2025")


def test_the_admin_refuses_a_weak_password_in_french(login):
    client = login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nadia@ml12.example.org",
            "usable_password": "true",
            "password1": "court",
            "password2": "court",
        },
    )
    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in html.unescape(response.content.decode())
