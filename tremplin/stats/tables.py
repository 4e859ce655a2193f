"""A table of figures: what a dashboard shows under each chart and what every export writes.

Values are ``str`` (labels), ``int`` (counts, days), ``float`` (rates as fractions, ratios), ``None``
(no value: a rate over nothing) or ``MASKED``. The column kind says how to print them.
"""

from dataclasses import dataclass, field

from tremplin.stats.masking import Masked

TEXT = "text"
COUNT = "count"
RATE = "rate"  # a fraction 0..1, printed as a percentage
DAYS = "days"
DECIMAL = "decimal"  # one decimal, e.g. referrals per 10,000 inhabitants
CODE = "code"  # an identifier printed as text (INSEE code, i-milo code)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT

    @property
    def is_numeric(self) -> bool:
        return self.kind not in (TEXT, CODE)


@dataclass
class Table:
    key: str  # file name of its exports, and HTML id: letters, digits and dashes
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    def column(self, key: str) -> list:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def cell(self, first_cell, column_key: str):
        """The value at the row whose first cell is ``first_cell`` and the column ``column_key``."""
        row = self.row(first_cell)
        return None if row is None else row[[c.key for c in self.columns].index(column_key)]

    def row(self, first_cell) -> list | None:
        """The row whose first cell is ``first_cell`` (tests and text alternatives read figures so)."""
        return next((row for row in self.rows if row[0] == first_cell), None)


def format_value(value, kind: str) -> str:
    """The French text of a value, as pages print it: "1 234", "12,5 %", "3 j"."""
    if value is None:
        return "—"
    if isinstance(value, Masked):
        return str(value)
    if kind == RATE:
        return f"{_french_number(value * 100, 1)}\u202f%"
    if kind == DECIMAL:
        return _french_number(value, 1)
    if kind == DAYS:
        return f"{_french_number(value, 0)}\u00a0j"
    if kind == COUNT:
        return _french_number(value, 0)
    return str(value)


def _french_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    # Narrow no-break space between thousands, comma before decimals, as the DSFR writes numbers.
    return text.replace(",", "\u202f").replace(".", ",")
