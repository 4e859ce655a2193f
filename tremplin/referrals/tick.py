"""What ``referrals_tick`` does, as a function of "now" (tests pass it; cron runs the command).

In this order: expire the referrals the Cnam left waiting beyond REFERRAL_EXPIRY_DAYS, escalate to
the regional centre those waiting beyond REFERRAL_ESCALATION_DAYS working days, remind the site
those waiting beyond REFERRAL_REMINDER_DAYS working days, write the daily digests, and send again
the emails that failed. Each referral is handled in its own transaction, its row locked and its
condition checked again, so two ticks at once, or a tick and a referent's click, do nothing twice.
"""

import dataclasses
import datetime

from django.db import transaction

from tremplin.referrals import clock, notifications
from tremplin.referrals.deadlines import escalation_cutoff, expiry_cutoff, reminder_cutoff
from tremplin.referrals.enums import AWAITING_CNAM_STATUSES, Action, Side
from tremplin.referrals.models import Referral, ReferralEvent
from tremplin.referrals.services import ReferralTransitionError, referral_transition


@dataclasses.dataclass
class TickReport:
    expired: int = 0
    escalated: int = 0
    reminded: int = 0
    digests: int = 0
    emails_sent: int = 0
    emails_failing: int = 0

    def lines(self) -> list[str]:
        return [
            f"{self.expired} orientation(s) expirée(s)",
            f"{self.escalated} signalée(s) au centre régional",
            f"{self.reminded} relance(s) envoyée(s) aux centres",
            f"{self.digests} récapitulatif(s) quotidien(s)",
            f"{self.emails_sent} courriel(s) en attente envoyé(s), {self.emails_failing} toujours en échec",
        ]


def referrals_tick(*, now: datetime.datetime | None = None) -> TickReport:
    now = now or clock.now()
    report = TickReport()
    with clock.frozen(now):
        waiting = Referral.objects.awaiting_cnam()
        for pk in _pks(waiting.filter(awaiting_cnam_since__lte=expiry_cutoff(now))):
            report.expired += _expire(pk, now)
        for pk in _pks(
            waiting.filter(escalated_at__isnull=True, awaiting_cnam_since__lt=escalation_cutoff(now))
        ):
            report.escalated += _flag(
                pk, now, field="escalated_at", cutoff=escalation_cutoff(now), action=Action.ESCALATE
            )
        for pk in _pks(
            waiting.filter(reminded_at__isnull=True, awaiting_cnam_since__lt=reminder_cutoff(now))
        ):
            report.reminded += _flag(
                pk, now, field="reminded_at", cutoff=reminder_cutoff(now), action=Action.REMIND
            )
        report.digests = notifications.send_digests(now)
        report.emails_sent, report.emails_failing = notifications.retry_unsent(now)
    return report


def _pks(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _expire(pk: int, now) -> int:
    try:
        with transaction.atomic():
            referral = _still_waiting(pk, awaiting_cnam_since__lte=expiry_cutoff(now))
            if referral is None:
                return 0
            referral_transition(referral=referral, action=Action.EXPIRE, user=None, membership=None)
    except ReferralTransitionError:  # changed meanwhile
        return 0
    return 1


def _flag(pk: int, now, *, field: str, cutoff, action: Action) -> int:
    with transaction.atomic():
        referral = _still_waiting(pk, **{f"{field}__isnull": True, "awaiting_cnam_since__lt": cutoff})
        if referral is None:
            return 0
        setattr(referral, field, now)
        referral.save(update_fields=[field, "updated_at"])
        event = ReferralEvent.objects.create(
            referral=referral, action=action, side=Side.SYSTEM, created_at=now
        )
        notifications.notify_event(referral=referral, event=event)
    return 1


def _still_waiting(pk: int, **condition) -> Referral | None:
    return (
        Referral.objects.select_for_update(of=("self",))
        .filter(pk=pk, status__in=AWAITING_CNAM_STATUSES, **condition)
        .select_related("site", "young_person", "mission_locale", "session__action__training")
        .first()
    )
