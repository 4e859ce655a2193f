"""The counts behind a dashboard: pre-aggregated for France, régions and Cnam regional centres
(``refresh_stats``), counted at request time for smaller scopes.

Why both: a national dashboard over a year reads some 300,000 referrals with their young person,
commune, site and training; counting them at each page view takes seconds (bench/stats.py), while
reading their pre-aggregated cells takes milliseconds. A mission locale, a site or a département has
at most a few tens of thousands of referrals, counted live in well under a second, so those
dashboards are always up to date. Before the first refresh every scope is counted live.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from tremplin.stats.aggregation import Cells, live_cells
from tremplin.stats.models import Aggregate, Refresh
from tremplin.stats.periods import Period
from tremplin.stats.scopes import Scope


@dataclass
class Figures:
    scope: Scope
    period: Period
    cells: Cells  # (month, dimension, value) -> count, months of the period only
    young_people: int
    as_of: datetime.datetime | None  # the refresh they come from; None: counted now

    def __post_init__(self):
        self._by_dimension: dict[str, list] = {}
        for (month, dimension, value), n in self.cells.items():
            self._by_dimension.setdefault(dimension, []).append((month, value, n))

    def total(self, dimension: str) -> Counter:
        """value -> count over the whole period."""
        totals = Counter()
        for _, value, n in self._by_dimension.get(dimension, ()):
            totals[value] += n
        return totals

    def monthly(self, dimension: str, value: str) -> dict[datetime.date, int]:
        series = dict.fromkeys(self.period.months, 0)
        for month, v, n in self._by_dimension.get(dimension, ()):
            if v == value:
                series[month] += n
        return series

    @property
    def sent(self) -> int:
        return self.total("step").get("sent", 0)


def figures_for(scope: Scope, period: Period) -> Figures:
    refresh = Refresh.objects.order_by("-finished_at").first() if scope.is_stored else None
    if refresh is None:
        referrals = scope.referrals().filter(
            sent_at__gte=period.first_instant, sent_at__lt=period.end_instant
        )
        cells, young_people = live_cells(referrals)
        return Figures(scope, period, cells, young_people, None)
    months = {m.year * 100 + m.month: m for m in period.months}
    cells = Cells(
        {
            (months[month], dimension, value): count
            for month, dimension, value, count in Aggregate.objects.filter(
                scope=scope.key, month__gte=min(months), month__lte=max(months)
            ).values_list("month", "dimension", "value", "count")
        }
    )
    # Distinct young people do not add up across months: counted in the database, over the
    # referrals the refresh saw, so that they agree with the cells.
    young_people = (
        scope.referrals()
        .filter(sent_at__gte=period.first_instant, sent_at__lt=min(period.end_instant, refresh.started_at))
        .aggregate(n=Count("young_person_id", distinct=True))["n"]
    )
    return Figures(scope, period, cells, young_people, refresh.finished_at)
