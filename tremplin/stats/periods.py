"""Periods of whole months, as the dashboards and ``export_stats --period 2025-01..2025-12`` take them.

Every figure counts the referrals *sent* during the period (a cohort): their later steps are counted
with them, whenever they happened. A month is a month of the Europe/Paris calendar (TIME_ZONE).
"""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

MONTH_NAMES = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SHORT_MONTH_NAMES = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
MAX_MONTHS = 120
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_label(month: datetime.date, *, short: bool = False) -> str:
    names = SHORT_MONTH_NAMES if short else MONTH_NAMES
    return f"{names[month.month - 1]} {month.year}"


def parse_month(text: str) -> datetime.date:
    """``"2025-03"`` → 1 March 2025. ``ValueError`` with a French message otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValueError(f"« {text} » n'est pas un mois au format AAAA-MM (par exemple 2025-03).")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class Period:
    start: datetime.date  # first day of the first month
    end: datetime.date  # first day of the last month (included)

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError("Le mois de début doit précéder le mois de fin.")
        if len(self) > MAX_MONTHS:
            raise ValueError(f"La période ne peut dépasser {MAX_MONTHS} mois.")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """``"2025-01..2025-12"`` (or a single month ``"2025-03"``)."""
        first, sep, last = text.partition("..")
        return cls(parse_month(first), parse_month(last if sep else first))

    @classmethod
    def last_months(cls, n: int = 12, today: datetime.date | None = None) -> "Period":
        """The ``n`` months up to the current one."""
        current = month_index(today or timezone.localdate())
        return cls(month_from_index(current - n + 1), month_from_index(current))

    def __len__(self) -> int:
        return month_index(self.end) - month_index(self.start) + 1

    @property
    def months(self) -> list[datetime.date]:
        first = month_index(self.start)
        return [month_from_index(first + i) for i in range(len(self))]

    @property
    def first_instant(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))

    @property
    def end_instant(self) -> datetime.datetime:
        """The first instant after the period (exclusive bound)."""
        after = month_from_index(month_index(self.end) + 1)
        return timezone.make_aware(datetime.datetime.combine(after, datetime.time()))

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"

    @property
    def label(self) -> str:
        if self.start == self.end:
            return month_label(self.start)
        return f"de {month_label(self.start)} à {month_label(self.end)}"
