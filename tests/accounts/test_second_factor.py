"""Second factor (TOTP): optional for everyone, required for staff and steering members before any page,
the admin and the API's session authentication included."""

import base64
import html
import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.second_factor import current_code, device_for
from tests.factories import UserFactory, member
from tremplin.accounts.enums import Role

PASSWORD = "motdepasse-de-test"


def password_login(client, user, next_url=None):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password step itself succeeds"
    return response


def text(response) -> str:
    return html.unescape(response.content.decode())


def enter_code(client, code, *, next_url="/"):
    return client.post(reverse("accounts:second_factor_verify"), {"code": code, "next": next_url})


def test_a_counsellor_turns_it_on_from_the_account_page(client):
    user = member(Role.COUNSELLOR)
    client.force_login(user)
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Désactivée" in account
    assert reverse("accounts:second_factor_setup") in account

    page = client.get(reverse("accounts:second_factor_setup")).content.decode()
    assert "<svg" in page and "qrline" in page  # the QR code, inline
    secret = re.search(r'<code id="secret-key">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.replace(" ", "").encode() == base64.b32encode(device.bin_key)

    wrong = client.post(
        reverse("accounts:second_factor_setup"),
        {"code": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert "Ce code n'est pas le bon ou a expiré" in text(wrong)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_setup_confirms_the_app_with_one_code_then_every_login_asks_for_one(client):
    user = member(Role.COUNSELLOR)
    client.force_login(user)
    client.get(reverse("accounts:second_factor_setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        reverse("accounts:second_factor_setup"), {"code": current_code(device)}, follow=True
    )
    assert "La double authentification est activée" in response.content.decode()
    assert "Activée" in response.content.decode()
    client.post(reverse("accounts:logout"))

    response = password_login(client, user)
    page = client.get(response.url, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:second_factor_verify"))
    assert "Code de vérification" in page.content.decode()
    assert client.get(reverse("youth:list")).status_code == 302

    device.refresh_from_db()
    device.last_t = -1  # the setup code's time step may still be current: allow it again
    device.save()
    assert enter_code(client, current_code(device)).url == "/"
    assert client.get(reverse("accounts:account")).status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=600)  # a wait long enough that no slow machine outlasts it
def test_a_code_must_be_six_digits_and_wrong_codes_are_throttled(client):
    user = member(Role.COUNSELLOR)
    device = device_for(user)
    password_login(client, user)
    letters = enter_code(client, "abc")
    assert "Saisissez les 6 chiffres" in letters.content.decode()
    wrong = "000000" if current_code(device) != "000000" else "111111"
    assert "n'est pas le bon" in text(enter_code(client, wrong))
    # Right after a wrong code, even the right one waits (django-otp doubles the delay each time).
    assert "Trop de codes erronés" in enter_code(client, current_code(device)).content.decode()
    assert client.get(reverse("accounts:account")).status_code == 302


def test_a_counsellor_turns_it_off_with_a_current_code(login):
    user = member(Role.COUNSELLOR)
    device = device_for(user)
    client = login(user)  # the fixture enters the code for people who have an app
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Désactiver la double authentification" in page
    response = client.post(
        reverse("accounts:second_factor_disable"), {"code": current_code(device)}, follow=True
    )
    assert "La double authentification est désactivée." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_steering_member_without_an_app_must_set_one_up_before_any_page(client):
    user = member(Role.STEERING)
    response = password_login(client, user, next_url=reverse("stats:dashboard"))
    page = client.get(response.url, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:second_factor_setup"))
    html = page.content.decode()
    assert "la double authentification est obligatoire" in html
    assert client.get(reverse("stats:dashboard")).status_code == 302

    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        reverse("accounts:second_factor_setup"),
        {"code": current_code(device), "next": reverse("stats:dashboard")},
    )
    assert response.url == reverse("stats:dashboard")
    assert client.get(reverse("stats:dashboard")).status_code == 200


def test_a_steering_member_cannot_turn_it_off(login):
    user = member(Role.STEERING)
    client = login(user)
    device = TOTPDevice.objects.get(user=user)
    assert "Votre rôle l'impose" in text(client.get(reverse("accounts:account")))
    client.post(reverse("accounts:second_factor_disable"), {"code": current_code(device)})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_someone_with_an_app_cannot_replace_it_without_a_code(client):
    user = member(Role.COUNSELLOR)
    device_for(user)
    password_login(client, user)
    response = client.get(reverse("accounts:second_factor_setup"))
    assert response.url.startswith(reverse("accounts:second_factor_verify"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_the_admin_asks_staff_for_a_code(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = device_for(staff)
    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).url.startswith(reverse("accounts:second_factor_verify"))
    enter_code(client, current_code(device), next_url=reverse("admin:index"))
    assert client.get(reverse("admin:index")).status_code == 200


def test_becoming_staff_during_a_session_asks_for_the_second_factor(client):
    user = member(Role.COUNSELLOR)
    password_login(client, user)
    assert client.get(reverse("accounts:account")).status_code == 200
    user.is_staff = True
    user.save()
    assert client.get(reverse("accounts:account")).url.startswith(reverse("accounts:second_factor_verify"))


def test_the_api_ignores_a_session_whose_code_is_pending(client, login):
    user = member(Role.STEERING)
    password_login(client, user)
    assert client.get(reverse("api-stats")).status_code == 401

    login(user)  # a verified session
    assert client.get(reverse("api-stats")).status_code == 200


@override_settings(TREMPLIN_OTP_REQUIRED=False)
def test_the_requirement_can_be_turned_off_for_development(client):
    user = member(Role.STEERING)
    password_login(client, user)
    assert client.get(reverse("stats:dashboard")).status_code == 200


@pytest.mark.parametrize("role", [Role.STEERING, Role.COUNSELLOR])
def test_reset_second_factor_removes_the_app(role):
    user = member(role, email="perdu@example.org")
    device_for(user)
    out = io.StringIO()
    call_command("reset_second_factor", "Perdu@example.org", stdout=out)
    assert not TOTPDevice.objects.filter(user=user).exists()
    expected = "une nouvelle application lui sera demandée" if role == Role.STEERING else "seul mot de passe"
    assert expected in out.getvalue()


def test_after_a_reset_a_counsellor_goes_on_with_the_password_alone(client):
    user = member(Role.COUNSELLOR)
    device_for(user)
    password_login(client, user)
    call_command("reset_second_factor", user.email, stdout=io.StringIO())
    assert client.get(reverse("accounts:second_factor_verify")).status_code == 302  # nothing to verify
    assert client.get(reverse("accounts:account")).status_code == 200
