"""``referrals_tick`` with a controlled clock: reminders after N working days, escalation after M,
expiry after P calendar days, retries of failed emails, daily digests; twice sends nothing twice."""

import datetime
import io
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command

from tremplin.referrals import clock
from tremplin.referrals.enums import EmailFrequency, ReferralStatus, Side
from tremplin.referrals.models import NotificationPreference, OutboxEmail, Referral, ReferralEvent
from tremplin.referrals.services import referral_send, referral_transition
from tremplin.referrals.tick import referrals_tick

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=PARIS)


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    def run(when):
        with django_capture_on_commit_callbacks(execute=True):
            return referrals_tick(now=when)

    return run


@pytest.fixture
def sent_monday(person, session, counsellor, referent, regional, django_capture_on_commit_callbacks):
    """Sent on Monday 3 March 2025 at 10:00 (no public holiday in the following weeks)."""
    with clock.frozen(at("2025-03-03")), django_capture_on_commit_callbacks(execute=True):
        referral = referral_send(
            young_person=person, session=session, user=counsellor, membership=counsellor.memberships.get()
        )
    mail.outbox.clear()
    return referral


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminder_after_five_working_days_once(sent_monday, tick, referent):
    report = tick(at("2025-03-07", 23))  # Friday evening: four working days
    assert report.reminded == 0 and mail.outbox == []

    report = tick(at("2025-03-10", 0) + datetime.timedelta(minutes=1))  # Monday: the fifth
    assert report.reminded == 1
    assert recipients() == [referent.email]
    assert "attend une action du Cnam depuis le 03/03/2025" in mail.outbox[0].body
    assert "expire le 02/04/2025" in mail.outbox[0].body

    mail.outbox.clear()
    assert tick(at("2025-03-10", 14)).reminded == 0 and mail.outbox == []
    assert ReferralEvent.objects.filter(action="remind").count() == 1


def test_public_holidays_are_not_working_days(person, session, counsellor, referent, tick):
    # Sent Wednesday 30 April 2025; 1 May and 8 May are public holidays (Thursdays).
    with clock.frozen(at("2025-04-30")):
        referral_send(
            young_person=person, session=session, user=counsellor, membership=counsellor.memberships.get()
        )
    assert tick(at("2025-05-08", 20)).reminded == 0  # 2, 5, 6, 7 May: four working days
    assert tick(at("2025-05-09", 8)).reminded == 1


def test_escalation_to_the_regional_centre_after_ten_working_days(sent_monday, tick, regional, referent):
    tick(at("2025-03-10"))
    mail.outbox.clear()
    assert tick(at("2025-03-14", 23)).escalated == 0

    report = tick(at("2025-03-17", 9))
    assert report.escalated == 1 and report.reminded == 0
    assert recipients() == [regional.email]
    assert "Cnam Aveyron" in mail.outbox[0].body and "malgré une relance" in mail.outbox[0].body
    mail.outbox.clear()
    assert tick(at("2025-03-18")).escalated == 0 and mail.outbox == []


def test_expiry_after_thirty_days_tells_both_sides(sent_monday, tick, counsellor, referent):
    tick(at("2025-03-17"))
    mail.outbox.clear()
    assert tick(at("2025-04-02", 9)).expired == 0

    report = tick(at("2025-04-02", 11))
    referral = Referral.objects.get()
    assert report.expired == 1 and referral.status == ReferralStatus.EXPIRED
    assert referral.ended_at == at("2025-04-02", 11)
    event = referral.events.latest("pk")
    assert (event.action, event.side, event.actor) == ("expire", Side.SYSTEM, None)
    assert recipients() == sorted([counsellor.email, referent.email])
    assert all("a expiré" in m.body for m in mail.outbox)

    mail.outbox.clear()
    again = tick(at("2025-04-03"))
    assert (again.expired, again.reminded, again.escalated) == (0, 0, 0) and mail.outbox == []


def test_every_cnam_step_restarts_the_wait(sent_monday, tick, referent):
    with clock.frozen(at("2025-03-07")):
        referral_transition(
            referral=sent_monday, action="acknowledge", user=referent, membership=referent.memberships.get()
        )
    assert tick(at("2025-03-10")).reminded == 0
    assert tick(at("2025-03-14", 9)).reminded == 1  # five working days after the acknowledgement
    assert tick(at("2025-04-02", 11)).expired == 0
    assert tick(at("2025-04-06", 11)).expired == 1


def test_a_planned_meeting_is_waited_for_before_the_clock_runs(sent_monday, tick, referent):
    membership = referent.memberships.get()
    with clock.frozen(at("2025-03-04")):
        referral_transition(referral=sent_monday, action="acknowledge", user=referent, membership=membership)
        referral_transition(
            referral=sent_monday,
            action="plan_meeting",
            user=referent,
            membership=membership,
            meeting_at=at("2025-04-15", 14),
            meeting_place="Salle 3",
        )
    assert tick(at("2025-04-14")).expired == 0  # 41 days after sending, but the meeting is tomorrow
    assert Referral.objects.get().status == ReferralStatus.MEETING_PLANNED
    # Working days after the meeting: 16, 17, 18, 22 (21 April is Easter Monday), 23 April.
    assert tick(at("2025-04-22", 9)).reminded == 0
    assert tick(at("2025-04-23", 9)).reminded == 1


def test_failed_emails_are_kept_and_retried(
    sent_monday, tick, referent, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP injoignable")

    monkeypatch.setattr("tremplin.referrals.notifications.send_mail", broken)
    with clock.frozen(at("2025-03-04")), django_capture_on_commit_callbacks(execute=True):
        referral = referral_transition(
            referral=sent_monday, action="acknowledge", user=referent, membership=referent.memberships.get()
        )
    assert referral.status == ReferralStatus.ACKNOWLEDGED  # the transition holds, whatever the mail server
    failed = OutboxEmail.objects.get(sent_at__isnull=True)
    assert failed.attempts == 1 and "SMTP injoignable" in failed.last_error
    assert mail.outbox == []

    monkeypatch.undo()
    report = tick(at("2025-03-04", 11))
    assert (report.emails_sent, report.emails_failing) == (1, 0)
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.endswith(": prise en charge")
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 2
    assert tick(at("2025-03-04", 12)).emails_sent == 0 and len(mail.outbox) == 1


def test_an_email_is_given_up_after_the_maximum_attempts(sent_monday, tick, settings, monkeypatch):
    settings.REFERRAL_EMAIL_MAX_ATTEMPTS = 2
    OutboxEmail.objects.update(sent_at=None, attempts=0, last_attempt_at=None)
    monkeypatch.setattr("tremplin.referrals.notifications.send_mail", lambda *a, **k: 1 / 0)
    assert tick(at("2025-03-04", 10)).emails_failing == 1
    assert tick(at("2025-03-04", 11)).emails_failing == 1
    assert tick(at("2025-03-04", 12)).emails_failing == 0  # two attempts made: left for an operator
    assert OutboxEmail.objects.get().attempts == 2


def test_daily_digest_instead_of_immediate_emails(
    person, session, counsellor, referent, tick, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=referent, frequency=EmailFrequency.DAILY)
    membership = counsellor.memberships.get()
    with clock.frozen(at("2025-03-03", 15)), django_capture_on_commit_callbacks(execute=True):
        referral = referral_send(young_person=person, session=session, user=counsellor, membership=membership)
    with clock.frozen(at("2025-03-03", 16)), django_capture_on_commit_callbacks(execute=True):
        from tremplin.referrals.services import referral_message_post

        referral_message_post(
            referral=referral, user=counsellor, membership=membership, body="Une question ?"
        )
    assert mail.outbox == []

    assert tick(at("2025-03-04", 6)).digests == 0  # before REFERRAL_DIGEST_HOUR (7)
    assert tick(at("2025-03-04", 7)).digests == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [referent.email]
    body = mail.outbox[0].body
    assert "nouvelle orientation de Mission locale du Grand Rodez" in body and "nouveau message" in body
    assert f"https://tremplin.example.fr/orientations/{referral.pk}/" in body
    assert tick(at("2025-03-04", 18)).digests == 0 and len(mail.outbox) == 1


def test_the_command(sent_monday, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with clock.frozen(at("2025-03-10", 9)), django_capture_on_commit_callbacks(execute=True):
        call_command("referrals_tick", stdout=out)
    assert "1 relance(s) envoyée(s) aux centres" in out.getvalue()
    assert len(mail.outbox) == 1
