"""The deadlines of DESIGN.md §6, read from the settings at each use (tests override them):

- ``REFERRAL_REMINDER_DAYS`` (default 5): working days the Cnam may leave a referral waiting before
  its referents get a reminder;
- ``REFERRAL_ESCALATION_DAYS`` (default 10): working days before the regional centre's
  administrators are told;
- ``REFERRAL_EXPIRY_DAYS`` (default 30): calendar days before the referral expires;
- ``REFERRAL_LINK_MAX_AGE_DAYS`` (default 30): how long the young person's link stays valid;
- ``REFERRAL_DIGEST_HOUR`` (default 7): local hour from which ``referrals_tick`` sends the daily
  digests;
- ``REFERRAL_EMAIL_MAX_ATTEMPTS`` (default 8): attempts before an email is left for an operator.

Working days are those of ``tremplin.referrals.workdays``; a wait counts from the local day the
Cnam's turn began.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from tremplin.referrals.workdays import working_days_before

DEFAULTS = {
    "REFERRAL_REMINDER_DAYS": 5,
    "REFERRAL_ESCALATION_DAYS": 10,
    "REFERRAL_EXPIRY_DAYS": 30,
    "REFERRAL_LINK_MAX_AGE_DAYS": 30,
    "REFERRAL_DIGEST_HOUR": 7,
    "REFERRAL_EMAIL_MAX_ATTEMPTS": 8,
}


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def _working_day_cutoff(now: datetime.datetime, days: int) -> datetime.datetime:
    """Waits that began before the returned instant have lasted at least ``days`` working days."""
    last_day = working_days_before(timezone.localdate(now), days)
    next_midnight = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(next_midnight)


def reminder_cutoff(now: datetime.datetime) -> datetime.datetime:
    return _working_day_cutoff(now, setting("REFERRAL_REMINDER_DAYS"))


def escalation_cutoff(now: datetime.datetime) -> datetime.datetime:
    return _working_day_cutoff(now, setting("REFERRAL_ESCALATION_DAYS"))


def expiry_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=setting("REFERRAL_EXPIRY_DAYS"))


def expires_on(awaiting_since: datetime.datetime) -> datetime.date:
    """The local day a wait that began at ``awaiting_since`` expires, for the pages."""
    return timezone.localdate(awaiting_since + datetime.timedelta(days=setting("REFERRAL_EXPIRY_DAYS")))
