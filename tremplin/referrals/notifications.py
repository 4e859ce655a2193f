"""Who is told what, and the outbox that carries it.

Each event of a referral tells the *other* side (the Cnam on a send, a withdrawal or a message from
the mission locale; the mission locale on each Cnam step; both on an expiry or the young person's
answer). A notification is a row per user; users who chose the daily digest get it in the next
digest, the others by email at once. Emails are rows of ``OutboxEmail`` written in the caller's
transaction and sent after the commit, so a failing mail server never undoes or blocks a
transition; ``referrals_tick`` retries what failed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.referrals import clock
from tremplin.referrals.deadlines import expires_on, setting
from tremplin.referrals.enums import Action, EmailFrequency, Side
from tremplin.referrals.models import (
    Notification,
    NotificationPreference,
    OutboxEmail,
    Referral,
    ReferralEvent,
    ReferralMessage,
)

logger = logging.getLogger(__name__)

# Within ``muted()`` nothing is notified (the demo writes a plausible past without emails).
_muted = contextvars.ContextVar("referral_notifications_muted", default=False)


@contextlib.contextmanager
def muted():
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# A claimed email is not claimed again (by the tick, or another process) for this long.
SEND_LEASE = datetime.timedelta(minutes=5)

CNAM_STEPS = {
    Action.ACKNOWLEDGE,
    Action.PLAN_MEETING,
    Action.ADMIT,
    Action.REFUSE,
    Action.ENROLL,
    Action.COMPLETE,
    Action.DROP_OUT,
}


# ---------------------------------------------------------------------------------------------------
# Recipients


def _members(organisation_ids, roles) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id__in=organisation_ids,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("pk")
    )


def _regional_centre_id(referral: Referral) -> int:
    return referral.site.parent_id or referral.site_id


def cnam_recipients(referral: Referral) -> list[User]:
    """The referent who took the referral while still at its site or regional centre; else the
    site's referents; else, for a site without referents yet, the regional centre's staff."""
    site_ids = {referral.site_id, _regional_centre_id(referral)}
    if referral.referent_id:
        taken = [
            u
            for u in _members(site_ids, (Role.CNAM_REFERENT, Role.CNAM_REGIONAL))
            if u.pk == referral.referent_id
        ]
        if taken:
            return taken
    return _members([referral.site_id], (Role.CNAM_REFERENT,)) or _members(
        [_regional_centre_id(referral)], (Role.CNAM_REFERENT, Role.CNAM_REGIONAL)
    )


def ml_recipients(referral: Referral) -> list[User]:
    """The sender while still a member of the mission locale, else the person's counsellor, else the
    mission locale's managers."""
    members = _members([referral.mission_locale_id], (Role.COUNSELLOR, Role.ML_MANAGER))
    for candidate in (referral.sender_id, referral.young_person.counsellor_id):
        chosen = [u for u in members if u.pk == candidate]
        if chosen:
            return chosen
    return [u for u in _members([referral.mission_locale_id], (Role.ML_MANAGER,))]


def regional_admins(referral: Referral) -> list[User]:
    return _members([_regional_centre_id(referral)], (Role.CNAM_REGIONAL,))


# ---------------------------------------------------------------------------------------------------
# Notifications


def referral_url(referral: Referral) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("referrals:detail", args=[referral.pk])


def short_name(referral: Referral) -> str:
    """ "Léa D.": enough for the reader to recognise the person, little in an inbox."""
    person = referral.young_person
    return f"{person.first_name} {person.last_name[:1]}.".strip()


def _context(referral: Referral, **extra) -> dict:
    return {
        "referral": referral,
        "person": short_name(referral),
        "target": referral.target_label,
        "site": referral.site,
        "mission_locale": referral.mission_locale,
        "url": referral_url(referral),
        "status": referral.get_status_display(),
        **extra,
    }


def notify_event(*, referral: Referral, event: ReferralEvent, message: str = "") -> None:
    """Tell the other side (or both) about ``event``; no-op for events nobody needs to hear of."""
    action, side = event.action, event.side
    if action == Action.SEND:
        users, template = cnam_recipients(referral), "sent"
        summary = f"nouvelle orientation de {referral.mission_locale.name}"
    elif action in CNAM_STEPS:
        users, template = ml_recipients(referral), "status_changed"
        summary = referral.get_status_display().lower()
    elif action == Action.WITHDRAW:
        users, template = cnam_recipients(referral), "status_changed"
        if side == Side.YOUNG_PERSON:
            users = _union(users, ml_recipients(referral))
        summary = "retirée" + (
            " par le ou la jeune" if side == Side.YOUNG_PERSON else " par la mission locale"
        )
    elif action == Action.EXPIRE:
        users, template = _union(ml_recipients(referral), cnam_recipients(referral)), "expired"
        summary = "expirée faute de réponse du Cnam"
    elif action == Action.CONFIRM_INTEREST:
        users, template = _union(ml_recipients(referral), cnam_recipients(referral)), "confirmed"
        summary = "le ou la jeune confirme son intérêt"
    elif action == Action.REMIND:
        users, template = cnam_recipients(referral), "reminder"
        summary = "relance : en attente de votre réponse"
    elif action == Action.ESCALATE:
        users, template = regional_admins(referral), "escalation"
        summary = "sans réponse du centre : signalée au centre régional"
    else:
        return
    context = _context(referral, event=event, message=message)
    if referral.awaiting_cnam_since:
        context["expires_on"] = expires_on(referral.awaiting_cnam_since)
    _notify(users, referral=referral, summary=summary, template=template, context=context)


def notify_message(*, referral: Referral, message: ReferralMessage) -> None:
    users = cnam_recipients(referral) if message.side == Side.ML else ml_recipients(referral)
    _notify(
        [u for u in users if u.pk != message.author_id],
        referral=referral,
        summary="nouveau message",
        template="message",
        context=_context(referral, message=message),
    )


def _union(*groups: list[User]) -> list[User]:
    return list({u.pk: u for group in groups for u in group}.values())


def _notify(users: list[User], *, referral: Referral, summary: str, template: str, context: dict) -> None:
    if _muted.get():
        return
    if not users:
        logger.warning("referral %s: nobody to tell (%s)", referral.pk, template)
        return
    now = clock.now()
    line = f"Orientation n° {referral.pk} ({short_name(referral)}, {referral.target_label}) : {summary}"
    daily = set(
        NotificationPreference.objects.filter(user__in=users, frequency=EmailFrequency.DAILY).values_list(
            "user_id", flat=True
        )
    )
    subject = f"[Tremplin] {line}"[:250]
    body = render_to_string(f"referrals/emails/{template}.txt", context)
    line = line[:300]
    pending, emails = [], []
    for user in users:
        if user.pk in daily:
            pending.append(Notification(user=user, referral=referral, summary=line, created_at=now))
        else:
            emails.append(
                OutboxEmail(
                    to=user.email, user=user, referral=referral, subject=subject, body=body, created_at=now
                )
            )
    OutboxEmail.objects.bulk_create(emails)
    pending += [
        Notification(user=e.user, referral=referral, summary=line, created_at=now, email=e) for e in emails
    ]
    Notification.objects.bulk_create(pending)
    if emails:
        _send_after_commit([e.pk for e in emails])


def email_young_person(*, referral: Referral) -> None:
    """The email to the young person: the site's contact, and their link to confirm or withdraw."""
    from tremplin.referrals.links import link_url

    if _muted.get():
        return
    person = referral.young_person
    email = OutboxEmail.objects.create(
        to=person.email,
        referral=referral,
        subject=f"Votre orientation vers le Cnam : {referral.site.name}"[:250],
        body=render_to_string(
            "referrals/emails/young_person.txt",
            _context(
                referral,
                first_name=person.first_name,
                link=link_url(referral),
                max_age_days=setting("REFERRAL_LINK_MAX_AGE_DAYS"),
                sender=referral.sender,
            ),
        ),
        created_at=clock.now(),
    )
    _send_after_commit([email.pk])


# ---------------------------------------------------------------------------------------------------
# Digests


def send_digests(now: datetime.datetime) -> int:
    """One email per user with pending notifications, once a local day from REFERRAL_DIGEST_HOUR;
    returns how many were written. Safe to run again: the day's key is unique."""
    local = timezone.localtime(now)
    if local.hour < setting("REFERRAL_DIGEST_HOUR"):
        return 0
    written = 0
    user_ids = Notification.objects.filter(email__isnull=True).values_list("user_id", flat=True).distinct()
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk"):
        key = f"digest:{user.pk}:{local.date().isoformat()}"
        with transaction.atomic():
            if OutboxEmail.objects.filter(key=key).exists():
                continue
            notes = list(
                Notification.objects.select_for_update()
                .filter(user=user, email__isnull=True)
                .select_related("referral")
                .order_by("created_at", "pk")
            )
            if not notes:
                continue
            plural = "s" if len(notes) > 1 else ""
            email = OutboxEmail.objects.create(
                key=key,
                to=user.email,
                user=user,
                subject=f"[Tremplin] Vos orientations : {len(notes)} nouvelle{plural} du {local:%d/%m/%Y}",
                body=render_to_string(
                    "referrals/emails/digest.txt",
                    {
                        "user": user,
                        "day": local.date(),
                        "items": [(n, referral_url(n.referral)) for n in notes],
                        "preferences_url": settings.SITE_URL.rstrip("/") + reverse("referrals:preferences"),
                    },
                ),
                created_at=now,
            )
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(email=email)
            _send_after_commit([email.pk])
            written += 1
    return written


# ---------------------------------------------------------------------------------------------------
# Sending


def _send_after_commit(pks: list[int]) -> None:
    # robust: a failure after the commit is logged, never turned into an error page.
    transaction.on_commit(functools.partial(deliver, pks), robust=True)


def deliver(pks) -> int:
    """Send these outbox emails (those not sent and not being sent); returns how many left."""
    return sum(deliver_one(pk) for pk in pks)


def deliver_one(pk: int) -> bool:
    now = clock.now()
    # Claim the row: of two processes trying at once, one sends.
    claimed = (
        OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - SEND_LEASE))
        .update(attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return False
    email = OutboxEmail.objects.get(pk=pk)
    try:
        send_mail(email.subject, email.body, None, [email.to], fail_silently=False)
    except Exception as exc:  # any backend failure (SMTP, network…) is kept and retried by the tick
        # No address and no server message in the log: both can carry a person's email address.
        logger.warning("referral email %s failed (attempt %s): %s", pk, email.attempts, type(exc).__name__)
        OutboxEmail.objects.filter(pk=pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        return False
    OutboxEmail.objects.filter(pk=pk).update(sent_at=clock.now(), last_error="")
    return True


def retry_unsent(now: datetime.datetime) -> tuple[int, int]:
    """Try again the emails not sent yet (failed, or never tried after a crash), up to
    REFERRAL_EMAIL_MAX_ATTEMPTS attempts each; returns (sent, still failing)."""
    pks = list(
        OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=setting("REFERRAL_EMAIL_MAX_ATTEMPTS"))
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - SEND_LEASE))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = deliver(pks)
    return sent, len(pks) - sent
