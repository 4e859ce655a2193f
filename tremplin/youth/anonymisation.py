"""Anonymising a young person's record: after the retention period (``purge_personal_data``) or at
their request (the ML manager's "Effacer les données de ce jeune").

What goes: names, contact details, interests, the accessibility note, the consent, the free text of
the person's referrals (messages, comments, reason details, meeting place and link) and of the emails
and notifications about them. What stays: what the statistics read (tremplin.stats.aggregation and
reach): education level, bac, programme, home commune, mission locale, and a birth date moved to the
earliest day of the birth year that gives the same age on the day each referral was sent, so every
figure computed before is computed again identically. The record itself stays, marked anonymised
and hidden from every list (``YoungPersonQuerySet.visible_to``), so that its referrals still count.

Activity (for the retention period): the latest of the record's creation or change, a change of one
of its referrals, an event or a message on one of them. Reading the record is not activity: a read
would otherwise keep the data for ever.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.api.models import IdempotentRequest
from tremplin.referrals.enums import OPEN_STATUSES
from tremplin.referrals.models import (
    Notification,
    OutboxEmail,
    Referral,
    ReferralEvent,
    ReferralMessage,
)
from tremplin.youth.enums import MAX_AGE_RQTH, AccessAction, AnonymisationReason
from tremplin.youth.models import (
    ANONYMISED_FIRST_NAME,
    ANONYMISED_LAST_NAME,
    YoungPerson,
    YoungPersonAccess,
    age_on,
)

ERASED_TEXT = "[effacé]"
ERASED_LINE = " : données du ou de la jeune effacées"
ERASED_EMAIL = (
    "Une orientation a changé. Les données du ou de la jeune concerné·e ont été effacées depuis : "
    "consultez vos orientations dans Tremplin."
)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same instant ``months`` calendar months earlier (the 31st falls back to the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def latest_birth_date_for_age(age: int, today: datetime.date) -> datetime.date:
    """People born on this day or before are at least ``age`` years old ``today``."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # today is 29 February
        return today.replace(year=today.year - age, day=28)


@dataclass(frozen=True)
class Candidate:
    pk: int
    reason: AnonymisationReason


def purge_candidates(now: datetime.datetime | None = None) -> list[Candidate]:
    """Records to anonymise now, oldest first: without activity for RETENTION_MONTHS, or aged
    RETENTION_MAX_AGE or more (see ``_over_age``) with no referral still open."""
    now = now or timezone.now()
    cutoff = months_before(now, settings.RETENTION_MONTHS)
    inactive = (
        YoungPerson.objects.not_anonymised()
        .filter(updated_at__lt=cutoff)  # never earlier than created_at
        .exclude(referrals__updated_at__gte=cutoff)
        .exclude(referrals__events__created_at__gte=cutoff)
        .exclude(referrals__messages__created_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    found = {pk: AnonymisationReason.INACTIVITY for pk in inactive}
    for pk in _over_age(timezone.localdate(now)):
        found.setdefault(pk, AnonymisationReason.AGE)
    return [Candidate(pk, reason) for pk, reason in sorted(found.items())]


def _over_age(today: datetime.date) -> list[int]:
    """Aged RETENTION_MAX_AGE or more, without an open referral. Someone registered at that age or
    later could only be so as a person with a disability recognition (RQTH), followed up to
    MAX_AGE_RQTH: they are kept until the day after that age instead of being erased the next night."""
    limit = settings.RETENTION_MAX_AGE
    rows = (
        YoungPerson.objects.not_anonymised()
        .filter(birth_date__lte=latest_birth_date_for_age(limit, today))
        .exclude(referrals__status__in=[s.value for s in OPEN_STATUSES])
        .values_list("pk", "birth_date", "created_at")
    )
    result = []
    for pk, birth_date, created_at in rows:
        registered_over_age = age_on(birth_date, timezone.localdate(created_at)) >= limit
        if not registered_over_age or age_on(birth_date, today) > MAX_AGE_RQTH:
            result.append(pk)
    return result


def stats_preserving_birth_date(
    birth_date: datetime.date, sent_days: Iterable[datetime.date]
) -> datetime.date:
    """The earliest day of the birth year that gives the same age as ``birth_date`` on each of
    ``sent_days`` (the local dates the person's referrals were sent, which is where the statistics
    compute an age). ``birth_date`` itself always qualifies, so the search ends."""
    days = list(sent_days)
    ages = [age_on(birth_date, day) for day in days]
    candidate = datetime.date(birth_date.year, 1, 1)
    while candidate < birth_date:
        if all(age_on(candidate, day) == age for day, age in zip(days, ages, strict=True)):
            return candidate
        candidate += datetime.timedelta(days=1)
    return birth_date


@transaction.atomic
def young_person_anonymise(
    *,
    young_person: YoungPerson,
    reason: AnonymisationReason,
    user: User | None = None,
    organisation=None,
    now: datetime.datetime | None = None,
) -> bool:
    """Anonymise one record and what its referrals say about the person. Returns False when it was
    already anonymised (nothing changes: running twice is harmless)."""
    now = now or timezone.now()
    person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    if person.anonymised_at is not None:
        return False
    referrals = Referral.objects.filter(young_person=person)
    sent_days = [timezone.localdate(sent) for sent in referrals.values_list("sent_at", flat=True)]

    person.first_name = ANONYMISED_FIRST_NAME
    person.last_name = ANONYMISED_LAST_NAME
    person.birth_date = stats_preserving_birth_date(person.birth_date, sent_days)
    person.email = ""
    person.phone = ""
    person.interests_text = ""
    person.preferred_start = None
    person.accessibility_consent = False
    person.accessibility_note = ""
    person.consent_given_at = None
    person.consent_recorded_by = None
    person.consent_purpose = ""
    person.anonymised_at = now
    person.anonymisation_reason = reason
    person.save()
    person.interests.clear()

    # The referrals' codes, dates and statuses are the statistics; their free text is the person's.
    # Querysets' update() leaves updated_at alone: the anonymisation is not activity.
    referrals.update(reason_detail="", meeting_place="", meeting_url="", link_nonce="")
    ReferralEvent.objects.filter(referral__young_person=person).exclude(comment="").update(comment="")
    ReferralMessage.objects.filter(referral__young_person=person).update(body=ERASED_TEXT)
    _erase_notifications(person)
    _forget_api_answers(person)
    YoungPersonAccess.objects.create(
        young_person=person,
        user=user,
        organisation=organisation,
        action=AccessAction.ERASE if reason == AnonymisationReason.REQUEST else AccessAction.PURGE,
        accessed_at=now,
    )
    return True


def _erase_notifications(person: YoungPerson) -> None:
    """Notifications and emails name the person ("Léa M."): their text becomes a neutral line with
    the referral's number (an email not sent yet still tells its reader that something changed). The
    emails to the person themself (their signed link, their first name, their address) are deleted."""
    about_person = Q(referral__young_person=person) | Q(notifications__referral__young_person=person)
    neutral = Concat(Value("Orientation n° "), Cast("referral_id", CharField()), Value(ERASED_LINE))
    Notification.objects.filter(referral__young_person=person).update(summary=neutral)
    OutboxEmail.objects.filter(referral__young_person=person, user__isnull=True).delete()
    OutboxEmail.objects.filter(pk__in=OutboxEmail.objects.filter(about_person).values("pk")).update(
        subject="[Tremplin] " + ERASED_EMAIL, body=ERASED_EMAIL + "\n", last_error=""
    )


def _forget_api_answers(person: YoungPerson) -> None:
    """Answers kept 24 hours for API retries (``Idempotency-Key``) hold the record as it was sent."""
    IdempotentRequest.objects.filter(
        Q(path__startswith="/api/v1/young-people/", body__id=person.pk) | Q(body__young_person__id=person.pk)
    ).delete()
