"""Figures shown to counsellors before they send: how fast a Cnam site usually answers."""

import statistics

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.referrals.workdays import working_days_between

RECENT_RESPONSES = 20  # the typical delay is the median over a site's last 20 answered referrals
MIN_RESPONSES = 3  # below this, the page says there is not enough history


def typical_response(site_ids) -> dict[int, tuple[int, int]]:
    """``{site_id: (median working days to the Cnam's first answer, number of referrals)}`` for the
    sites with enough history. The first answer is the acknowledgement, or a refusal straight away.
    One query, at most RECENT_RESPONSES rows per site."""
    answered = Q(acknowledged_at__isnull=False) | Q(
        status=ReferralStatus.REFUSED, acknowledged_at__isnull=True
    )
    rows = (
        Referral.objects.filter(answered, site_id__in=list(site_ids))
        .annotate(rank=Window(RowNumber(), partition_by=F("site_id"), order_by=F("sent_at").desc()))
        .filter(rank__lte=RECENT_RESPONSES)
        .values_list("site_id", "sent_at", "acknowledged_at", "decided_at")
    )
    delays: dict[int, list[int]] = {}
    for site_id, sent_at, acknowledged_at, decided_at in rows:
        answer = acknowledged_at or decided_at
        delays.setdefault(site_id, []).append(
            working_days_between(timezone.localdate(sent_at), timezone.localdate(answer))
        )
    return {
        site_id: (round(statistics.median(values)), len(values))
        for site_id, values in delays.items()
        if len(values) >= MIN_RESPONSES
    }
