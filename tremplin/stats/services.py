"""Writes of the statistics: the pre-aggregation that ``refresh_stats`` runs (nightly, say)."""

from django.db import transaction
from django.utils import timezone

from tremplin.referrals.models import Referral
from tremplin.stats.aggregation import scope_cells
from tremplin.stats.models import Aggregate, DistinctYoungPeople, Refresh
from tremplin.stats.periods import month_from_index

BATCH_SIZE = 5000


@transaction.atomic
def aggregates_refresh() -> Refresh:
    """Recount every referral into the cells of the stored scopes, replacing the previous ones.

    One transaction: dashboards read the previous figures until the new ones are all written. Two
    refreshes at once run one after the other (the last refresh row is locked), so that neither adds
    its cells to the other's."""
    Refresh.objects.select_for_update().order_by("-pk").first()
    started_at = timezone.now()
    referrals = Referral.objects.filter(sent_at__lt=started_at)
    by_scope, distinct = scope_cells(referrals)
    Aggregate.objects.all().delete()
    DistinctYoungPeople.objects.all().delete()
    written = _write(
        Aggregate,
        (
            Aggregate(scope=scope, month=_yyyymm(month), dimension=dimension, value=value, count=count)
            for scope, cells in by_scope.items()
            for (month, dimension, value), count in cells.items()
        ),
    )
    first_month = last_month = None
    for scope, counts in distinct.items():
        months = [_yyyymm(month_from_index(counts.first + i)) for i in range(len(counts.counts))]
        first_month, last_month = months[0], months[-1]
        _write(
            DistinctYoungPeople,
            (
                DistinctYoungPeople(scope=scope, first_month=months[a], last_month=months[b], count=int(n))
                for a, row in enumerate(counts.counts)
                for b, n in enumerate(row)
                if n
            ),
        )
    france = by_scope.get("france", {})
    sent = sum(n for (_, dimension, value), n in france.items() if dimension == "step" and value == "sent")
    return Refresh.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        referrals=sent,
        cells=written,
        first_month=first_month,
        last_month=last_month,
    )


def _yyyymm(month) -> int:
    return month.year * 100 + month.month


def _write(model, rows) -> int:
    written, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            model.objects.bulk_create(batch)
            written, batch = written + len(batch), []
    model.objects.bulk_create(batch)
    return written + len(batch)
