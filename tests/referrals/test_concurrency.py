"""Two requests at once on the same referral: one wins, the other gets a clear message, nothing is
written twice. The real race needs row locks, so it runs on PostgreSQL; on SQLite the same outcome is
checked with requests one after the other from pages loaded before."""

import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tremplin.referrals import notifications
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral, ReferralEvent

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is ignored and writers are serialised per "
    "database): the race is tested on PostgreSQL, the sequential outcome below on both.",
)


def test_two_referents_on_pages_loaded_before(login, referent, regional, referral):
    first, second = Client(), Client()
    first.force_login(referent)
    second.force_login(regional)
    url = reverse("referrals:action", args=[referral.pk, "acknowledge"])
    first.get(reverse("referrals:detail", args=[referral.pk]))
    second.get(reverse("referrals:detail", args=[referral.pk]))

    won = first.post(url, {}, follow=True).content.decode()
    lost = second.post(url, {}, follow=True).content.decode()

    assert "« Prendre en charge » : c&#x27;est enregistré" in won or "c'est enregistré" in won
    assert (
        "Impossible de prendre en charge cette orientation : l&#x27;orientation est « prise en charge »"
        in lost
    )
    assert ReferralEvent.objects.filter(action="acknowledge").count() == 1
    assert Referral.objects.get().referent == referent


def paused_first_notification(monkeypatch):
    """The first request stops inside its transaction, after its writes and before its commit,
    until released."""
    inside, release = threading.Event(), threading.Event()
    original = notifications.notify_event

    def notify_event(**kwargs):
        if not inside.is_set():
            inside.set()
            assert release.wait(20)
        return original(**kwargs)

    monkeypatch.setattr(notifications, "notify_event", notify_event)
    return inside, release


def wait_for_a_lock_wait(timeout=20.0):
    """Until another connection waits on a lock (the second request is blocked by the row lock)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def in_thread(target):
    result = {}

    def run():
        try:
            result["response"] = target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_transitions_at_once(monkeypatch, referent, regional, referral):
    inside, release = paused_first_notification(monkeypatch)
    url = reverse("referrals:action", args=[referral.pk, "acknowledge"])
    first, second = Client(), Client()
    first.force_login(referent)
    second.force_login(regional)

    a, first_result = in_thread(lambda: first.post(url, {}))
    assert inside.wait(20)
    b, second_result = in_thread(lambda: second.post(url, {}))
    assert wait_for_a_lock_wait(), "the second request should wait for the first one's row lock"
    release.set()
    a.join(30)
    b.join(30)

    assert first_result["response"].status_code == second_result["response"].status_code == 302
    lost = second.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Impossible de prendre en charge cette orientation" in lost
    assert ReferralEvent.objects.filter(action="acknowledge").count() == 1
    fresh = Referral.objects.get()
    assert fresh.status == ReferralStatus.ACKNOWLEDGED and fresh.referent == referent


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once(monkeypatch, counsellor, referent, person, session):
    inside, release = paused_first_notification(monkeypatch)
    url = f"{reverse('referrals:create')}?person={person.pk}&session={session.pk}"
    first, second = Client(), Client()
    first.force_login(counsellor)
    second.force_login(counsellor)

    a, _ = in_thread(lambda: first.post(url, {"message": "Bonjour"}))
    assert inside.wait(20)
    b, second_result = in_thread(lambda: second.post(url, {"message": "Bonjour"}))
    assert wait_for_a_lock_wait()
    release.set()
    a.join(30)
    b.join(30)

    referral = Referral.objects.get()
    assert second_result["response"].url == reverse("referrals:detail", args=[referral.pk])
    page = second.get(second_result["response"].url).content.decode()
    assert "a déjà une orientation en cours vers cette session" in page
