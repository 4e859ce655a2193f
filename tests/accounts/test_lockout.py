"""Login throttling (django-axes): five wrong passwords for one account from one address lock that
pair out for 30 minutes; the page says so in French; `axes_reset_username` unlocks."""

import io
from datetime import timedelta

from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

EMAIL = "camille@ml.example.org"
GOOD = "motdepasse-de-test"


def attempt(client, password, *, email=EMAIL, address="192.0.2.10"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def fail(client, times, **kwargs):
    """Wrong passwords: the form says so, until the last allowed failure shows the lockout page."""
    return [attempt(client, "mauvais-mot-de-passe", **kwargs).status_code for _ in range(times)]


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    UserFactory(email=EMAIL)
    fail(client, 4)
    assert attempt(client, GOOD).status_code == 302  # four failures: still allowed, and forgotten

    client.post(reverse("accounts:logout"))
    assert fail(client, 5) == [200, 200, 200, 200, 429]
    response = attempt(client, GOOD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Compte temporairement bloqué" in html
    assert "Après 5 mots de passe erronés" in html
    assert "pendant 30 minutes" in html
    assert "fr-alert--error" in html
    assert not client.get(reverse("accounts:account")).wsgi_request.user.is_authenticated


def test_changing_the_case_of_the_address_does_not_earn_fresh_attempts(client):
    UserFactory(email=EMAIL)
    fail(client, 3)
    fail(client, 2, email="Camille@ML.example.org")
    assert attempt(client, GOOD).status_code == 429


def test_lockout_is_per_account_and_address(client):
    UserFactory(email=EMAIL)
    other = UserFactory(email="nadia@ml.example.org")
    fail(client, 5)
    assert attempt(client, GOOD, address="198.51.100.7").status_code == 302  # the real person, elsewhere
    client.post(reverse("accounts:logout"))
    assert attempt(client, GOOD, email=other.email).status_code == 302


def test_lock_ends_after_the_cool_off(client):
    UserFactory(email=EMAIL)
    fail(client, 5)
    assert attempt(client, GOOD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    assert attempt(client, GOOD).status_code == 302


def test_axes_reset_username_unlocks_at_once(client):
    UserFactory(email=EMAIL)
    fail(client, 5)
    call_command("axes_reset_username", EMAIL, stdout=io.StringIO())
    assert attempt(client, GOOD).status_code == 302


def test_the_admin_login_form_is_throttled_too(client):
    UserFactory(email=EMAIL, is_staff=True)
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": EMAIL, "password": "faux"}, REMOTE_ADDR="192.0.2.10")
    response = client.post(
        reverse("admin:login"), {"username": EMAIL, "password": GOOD}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 429


def test_test_client_login_without_a_request_still_works(client):
    """``client.login()`` calls authenticate() without a request: not throttled, not refused."""
    UserFactory(email=EMAIL)
    assert not client.login(username=EMAIL, password="faux")
    assert client.login(username=EMAIL, password=GOOD)
