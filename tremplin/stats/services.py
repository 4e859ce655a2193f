"""Writes of the statistics: the pre-aggregation that ``refresh_stats`` runs (nightly, say)."""

from django.db import transaction
from django.utils import timezone

from tremplin.referrals.models import Referral
from tremplin.stats.aggregation import scope_cells
from tremplin.stats.models import Aggregate, Refresh

BATCH_SIZE = 5000


@transaction.atomic
def aggregates_refresh() -> Refresh:
    """Recount every referral into the cells of the stored scopes, replacing the previous ones.

    One transaction: dashboards read the previous figures until the new ones are all written."""
    started_at = timezone.now()
    referrals = Referral.objects.filter(sent_at__lt=started_at)
    by_scope = scope_cells(referrals)
    Aggregate.objects.all().delete()
    rows = (
        Aggregate(
            scope=scope, month=month.year * 100 + month.month, dimension=dimension, value=value, count=count
        )
        for scope, cells in by_scope.items()
        for (month, dimension, value), count in cells.items()
    )
    written = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            Aggregate.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    Aggregate.objects.bulk_create(batch)
    written += len(batch)
    france = by_scope.get("france", {})
    sent = sum(n for (_, dimension, value), n in france.items() if dimension == "step" and value == "sent")
    return Refresh.objects.create(
        started_at=started_at, finished_at=timezone.now(), referrals=sent, cells=written
    )
