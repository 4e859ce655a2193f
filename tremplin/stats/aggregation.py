"""From referrals to counts: every referral adds one to a cell (month sent, dimension, value) for
each of its dimensions. The same code serves the live figures of a small scope (a mission locale,
a site, a département: a few thousand referrals) and the nightly pre-aggregation of the large ones
(France, régions, Cnam regional centres), see ``tremplin.stats.figures`` and ``services``.

Reading is one query (joins to the young person, their commune, the site, the session's action,
training and certification); the per-referral work is a few integer computations in Python, and the
grouping is numpy ``bincount`` over integer codes.
"""

import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from tremplin.referrals.enums import ReferralStatus
from tremplin.stats.dimensions import (
    DIMENSIONS,
    ENTRY_SUFFIX,
    MAX_DELAY_DAYS,
    POSITIONING,
    STEPS,
    UNKNOWN,
    age_band,
)
from tremplin.stats.periods import month_from_index
from tremplin.youth.models import age_on

FIELDS = (
    "young_person_id",
    "sent_at",
    "status",
    "acknowledged_at",
    "meeting_planned_at",
    "meeting_at",
    "decided_at",
    "enrolled_at",
    "ended_at",
    "refusal_reason",
    "withdrawal_reason",
    "outcome",
    "young_person__birth_date",
    "young_person__education_level",
    "young_person__has_bac",
    "young_person__programme",
    "young_person__home_commune__department_id",
    "young_person__home_commune__department__region_id",
    "young_person__home_commune__size_class",
    "mission_locale_id",
    "site_id",
    "site__parent_id",
    "session__action__teaching_mode",
    "session__action__training__exit_level",
    "session__action__training__certification__level",
    "session__action__training__rome_codes",
)
# Columns of the derived table, one integer code per referral each (-1: not applicable).
COLUMNS = (
    "month",
    "status",
    "refusal",
    "withdrawal",
    "outcome",
    "age",
    "level",
    "bac",
    "programme",
    "region",
    "department",
    "size",
    "mission_locale",
    "site",
    "cert_level",
    "rome",
    "mode",
    "ack_days",
    "meeting_days",
    "decision_days",
    "centre",
    "young_person",  # the young person's id itself, not a code
    *(f"step_{key}" for key, _ in STEPS),
)
_COL = {name: i for i, name in enumerate(COLUMNS)}
STEP_KEYS = [key for key, _ in STEPS]


def referral_rows(queryset) -> Iterable[tuple]:
    return queryset.order_by().values_list(*FIELDS).iterator(chunk_size=5000)


class _Codes(dict):
    """Value → small integer code, growing as values appear."""

    def code(self, value) -> int:
        code = self.get(value)
        if code is None:
            code = self[value] = len(self)
        return code

    def values_by_code(self) -> list:
        return sorted(self, key=self.__getitem__)


@dataclass
class Coded:
    """Referrals as integer codes: ``data[:, _COL[name]]``, and the value behind each code."""

    data: np.ndarray
    vocabularies: dict[str, list]

    def __len__(self) -> int:
        return len(self.data)


CHUNK_SIZE = 100_000


def derive(
    rows: Iterable[tuple], *, people: set | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Coded]:
    """The integer table of the referrals (rows as ``referral_rows`` yields them), in chunks of
    ``chunk_size`` rows that share their codes: a million referrals never sit in memory at once.
    ``people``: a set that receives the young people's ids (to count them once)."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    vocabularies = {name: _Codes() for name in COLUMNS}
    # Fixed vocabularies first, so that codes follow the display order.
    for name in (
        "status",
        "refusal",
        "withdrawal",
        "outcome",
        "age",
        "level",
        "bac",
        "programme",
        "size",
        "cert_level",
        "mode",
    ):
        for value, _ in DIMENSIONS[name].choices:
            vocabularies[name].code(value)
    code = {name: vocabularies[name].code for name in COLUMNS}
    out = []
    append = out.append
    completed, refused = ReferralStatus.COMPLETED.value, ReferralStatus.REFUSED.value

    def day(instant) -> int:
        return instant.astimezone(tz).toordinal()

    chunk_size = chunk_size or CHUNK_SIZE
    for (
        young_person,
        sent_at,
        status,
        acknowledged_at,
        meeting_planned_at,
        meeting_at,
        decided_at,
        enrolled_at,
        ended_at,
        refusal,
        withdrawal,
        outcome,
        birth_date,
        education_level,
        has_bac,
        programme,
        department,
        region,
        size,
        mission_locale,
        site,
        site_parent,
        teaching_mode,
        exit_level,
        certification_level,
        rome_codes,
    ) in rows:
        sent_local = sent_at.astimezone(tz).date()
        sent_day = sent_local.toordinal()
        # Admission: decided_at is the first decision; a refusal sets it together with ended_at, so a
        # refused referral was admitted first only when its decision came before its end.
        admitted = decided_at is not None and (status != refused or decided_at < ended_at)
        level = exit_level or certification_level
        append(
            (
                sent_local.year * 12 + sent_local.month - 1,
                code["status"](status),
                code["refusal"](refusal) if refusal else -1,
                code["withdrawal"](withdrawal) if withdrawal else -1,
                code["outcome"](outcome) if outcome else -1,
                code["age"](age_band(age_on(birth_date, sent_local))),
                code["level"](str(education_level)),
                code["bac"]("yes" if has_bac else "no"),
                code["programme"](programme),
                code["region"](region),
                code["department"](department),
                code["size"](size),
                code["mission_locale"](mission_locale),
                code["site"](site),
                code["cert_level"](str(level) if level else UNKNOWN),
                code["rome"](rome_codes[:1].upper() if rome_codes else UNKNOWN),
                code["mode"](teaching_mode or POSITIONING),
                min(day(acknowledged_at) - sent_day, MAX_DELAY_DAYS) if acknowledged_at else -1,
                min(day(meeting_at or meeting_planned_at) - sent_day, MAX_DELAY_DAYS)
                if meeting_planned_at
                else -1,
                min(day(decided_at) - sent_day, MAX_DELAY_DAYS) if decided_at else -1,
                code["centre"](site_parent or site),
                young_person,
                1,
                acknowledged_at is not None,
                meeting_planned_at is not None,
                admitted,
                enrolled_at is not None,
                status == completed,
            )
        )
        if len(out) == chunk_size:
            yield _coded(out, vocabularies)
            out = []
            append = out.append
    if out:
        yield _coded(out, vocabularies)


def _coded(out: list[tuple], vocabularies: dict[str, _Codes]) -> Coded:
    data = np.array(out, dtype=np.int64).reshape(len(out), len(COLUMNS))
    # Delays may be negative only through clock errors in imported data: they count as day 0.
    for name in ("ack_days", "meeting_days", "decision_days"):
        column = data[:, _COL[name]]
        column[(column < 0) & (column != -1)] = 0
    return Coded(data, {name: vocabularies[name].values_by_code() for name in COLUMNS})


# ---------------------------------------------------------------------------------------------------
# Grouping


Cells = Counter  # (month: date, dimension: str, value: str) -> count

_DIMENSION_COLUMNS = [name for name in COLUMNS if name in DIMENSIONS]


def count_cells(table: Coded, scope_column: str | None = None) -> dict:
    """Counts of ``table`` per scope (the codes of ``scope_column``, or one scope ``None`` for all).

    Returns ``{scope value: Cells}``."""
    data = table.data
    result: dict = {}
    if len(data) == 0:
        return result
    months = data[:, _COL["month"]]
    first_month = int(months.min())
    month_offsets = months - first_month
    n_months = int(month_offsets.max()) + 1
    if scope_column is None:
        scope_codes, scope_values = np.zeros(len(data), dtype=np.int64), [None]
    else:
        scope_codes, scope_values = data[:, _COL[scope_column]], table.vocabularies[scope_column]
    entered = data[:, _COL["step_enrolled"]] == 1

    def add(dimension: str, values: np.ndarray, selected: np.ndarray | None, labels) -> None:
        keep = values >= 0 if selected is None else (values >= 0) & selected
        width = len(labels)
        keys = (scope_codes[keep] * n_months + month_offsets[keep]) * width + values[keep]
        counts = np.bincount(keys, minlength=0)
        for key in np.flatnonzero(counts):
            scope, rest = divmod(int(key), n_months * width)
            month, value = divmod(rest, width)
            cells = result.setdefault(scope_values[scope], Cells())
            cells[(month_from_index(first_month + month), dimension, str(labels[value]))] = int(counts[key])

    for name in _DIMENSION_COLUMNS:
        dimension = DIMENSIONS[name]
        if name.endswith("_days"):
            add(name, data[:, _COL[name]], None, list(range(MAX_DELAY_DAYS + 1)))
            continue
        labels = table.vocabularies[name]
        add(name, data[:, _COL[name]], None, labels)
        if dimension.by_entry:
            add(name + ENTRY_SUFFIX, data[:, _COL[name]], entered, labels)
    step_values = np.zeros(len(data), dtype=np.int64)
    for i, key in enumerate(STEP_KEYS):
        add("step", step_values + i, data[:, _COL[f"step_{key}"]] == 1, STEP_KEYS)
    return result


def live_cells(queryset) -> tuple[Cells, int]:
    """Cells and number of distinct young people of the referrals of ``queryset`` (a small scope)."""
    people: set = set()
    cells = Cells()
    for table in derive(referral_rows(queryset)):
        cells.update(count_cells(table).get(None, ()))
        people.update(np.unique(table.data[:, _COL["young_person"]]).tolist())
    return cells, len(people)


@dataclass
class Distinct:
    """Distinct young people of one scope for every period of whole months of the data:
    ``counts[a, b]`` for the months ``first + a`` to ``first + b`` (0 where b < a)."""

    first: int  # month index (year * 12 + month - 1) of the data's first month
    counts: np.ndarray


def distinct_people(people: np.ndarray, months: np.ndarray, first: int, n_months: int) -> np.ndarray:
    """``counts[a, b]``: how many of ``people`` have a referral in months a..b (offsets from ``first``).

    A person counts in a..b when their first referral month from ``a`` on is at most ``b``: for each
    ``a``, the histogram of those "next months" summed up to ``b``. Pairs are sorted by person then
    month, so a person's next month from ``a`` is their first pair whose month is at least ``a``."""
    counts = np.zeros((n_months, n_months), dtype=np.int64)
    if len(people) == 0:
        return counts
    pairs = np.unique(people * n_months + (months - first))
    persons, offsets = pairs // n_months, pairs % n_months
    for a in range(n_months):
        keep = offsets >= a
        kept_persons, kept_offsets = persons[keep], offsets[keep]
        if len(kept_persons) == 0:
            break
        firsts = np.r_[True, kept_persons[1:] != kept_persons[:-1]]
        histogram = np.bincount(kept_offsets[firsts], minlength=n_months)
        counts[a] = np.cumsum(histogram)
        counts[a, :a] = 0
    return counts


def scope_cells(queryset) -> tuple[dict[str, Cells], dict[str, Distinct]]:
    """Cells and distinct young people of every pre-aggregated scope, keyed ``"france"``,
    ``"region:76"``, ``"centre:12"``."""
    cells: dict[str, Cells] = {}
    keys = []  # (young person, month, région code, centre code) of every referral, for the distinct counts
    vocabularies = {}
    for table in derive(referral_rows(queryset)):
        for scope_column, prefix in ((None, "france"), ("region", "region"), ("centre", "centre")):
            for value, counts in count_cells(table, scope_column).items():
                cells.setdefault(prefix if value is None else f"{prefix}:{value}", Cells()).update(counts)
        keys.append(table.data[:, [_COL["young_person"], _COL["month"], _COL["region"], _COL["centre"]]])
        vocabularies = table.vocabularies
    distinct: dict[str, Distinct] = {}
    if not keys:
        return cells, distinct
    data = np.concatenate(keys)
    first, n_months = int(data[:, 1].min()), int(data[:, 1].max() - data[:, 1].min()) + 1
    distinct["france"] = Distinct(first, distinct_people(data[:, 0], data[:, 1], first, n_months))
    for column, prefix in ((2, "region"), (3, "centre")):
        for code, value in enumerate(vocabularies[prefix]):
            rows = data[data[:, column] == code]
            distinct[f"{prefix}:{value}"] = Distinct(
                first, distinct_people(rows[:, 0], rows[:, 1], first, n_months)
            )
    return cells, distinct
