"""The counts behind a dashboard: pre-aggregated for France, régions and Cnam regional centres
(``refresh_stats``), counted at request time for smaller scopes.

Why both: a national dashboard over a year reads some 300,000 referrals with their young person,
commune, site and training; counting them at each page view takes seconds (bench/stats.py), while
reading their pre-aggregated cells takes milliseconds. Distinct young people do not add up across
months: the refresh counts them for every period of whole months (DistinctYoungPeople). A mission locale, a site or a département has
at most a few tens of thousands of referrals, counted live in well under a second, so those
dashboards are always up to date. Before the first refresh every scope is counted live.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from tremplin.stats.aggregation import Cells, live_cells
from tremplin.stats.models import Aggregate, DistinctYoungPeople, Refresh
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
    return Figures(
        scope, period, cells, _young_people(scope, refresh, min(months), max(months)), refresh.finished_at
    )


def _young_people(scope: Scope, refresh: Refresh, first: int, last: int) -> int:
    """Distinct young people of a stored scope: the refresh counted them for every period of the data's
    months; a period reaching beyond the data is the same as its part within the data."""
    if refresh.first_month is None:
        return 0
    first, last = max(first, refresh.first_month), min(last, refresh.last_month)
    if first > last:
        return 0
    row = DistinctYoungPeople.objects.filter(scope=scope.key, first_month=first, last_month=last).first()
    return row.count if row else 0
