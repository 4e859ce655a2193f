"""Sessions end 8 hours after login (SESSION_COOKIE_AGE) or after 2 hours without a request
(SESSION_IDLE_TIMEOUT); the person is then sent back to the login page, which says why."""

import html
import time

from django.test import override_settings
from django.urls import reverse

from tests.factories import member
from tremplin.accounts.enums import Role
from tremplin.accounts.middleware import LOGIN_AT_KEY, SEEN_AT_KEY


def age_session(client, *, logged_in_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    session = client.session
    session[LOGIN_AT_KEY] = now - logged_in_ago
    session[SEEN_AT_KEY] = now - seen_ago
    session.save()


def assert_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    page = html.unescape(client.get(response.url).content.decode())
    assert "Votre session a expiré : reconnectez-vous pour continuer." in page
    assert client.get(url).status_code == 302  # and the session is really gone


def test_an_active_session_goes_on(login):
    client = login(member(Role.COUNSELLOR))
    age_session(client, logged_in_ago=7 * 3600, seen_ago=3600)
    assert client.get(reverse("accounts:account")).status_code == 200
    # The request counts as activity: the idle clock starts again.
    assert int(time.time()) - client.session[SEEN_AT_KEY] < 60


def test_an_idle_session_is_sent_back_to_the_login_page(login):
    client = login(member(Role.COUNSELLOR))
    age_session(client, logged_in_ago=3 * 3600, seen_ago=2 * 3600 + 1)
    assert_sent_to_login(client, reverse("accounts:account"))


def test_a_session_ends_eight_hours_after_login_even_if_active(login):
    client = login(member(Role.COUNSELLOR))
    age_session(client, logged_in_ago=8 * 3600 + 1, seen_ago=10)
    assert_sent_to_login(client, reverse("accounts:account"))


@override_settings(SESSION_IDLE_TIMEOUT=600)
def test_the_idle_timeout_is_a_setting(login):
    client = login(member(Role.COUNSELLOR))
    age_session(client, logged_in_ago=700, seen_ago=601)
    assert_sent_to_login(client, reverse("accounts:account"))


def test_the_cookie_itself_expires_with_the_session_age(client):
    member_user = member(Role.COUNSELLOR)
    response = client.post(
        reverse("accounts:login"), {"username": member_user.email, "password": "motdepasse-de-test"}
    )
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
