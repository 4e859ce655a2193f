"""Charts drawn as SVG by the templates (no JavaScript): horizontal bars, a monthly line chart and
the département map. This module computes the geometry and the text alternative of each; every chart
is shown next to its table, and its ``description`` is both the SVG's <desc> and a visible sentence.
"""

import math
from dataclasses import dataclass, field

from django.utils.html import format_html_join

from tremplin.stats import geo
from tremplin.stats.masking import Masked
from tremplin.stats.tables import COUNT, DECIMAL, RATE, Table, format_value

BAR_WIDTH = 600  # viewBox width of bar charts
BAR_AREA = 470  # longest bar
BAR_ROW = 38  # label line + bar
LINE_SIZE = (640, 260)
# A sequential blue scale ending on the DSFR's "bleu France"; text on the two darkest is white.
MAP_COLOURS = ("#e3e3fd", "#b8b8f6", "#8585f6", "#4a4ae6", "#000091")
SERIES_COLOURS = ("#000091", "#e1000f", "#18753c")


@dataclass
class Bar:
    label: str
    text: str  # the value as printed
    y: float
    width: float  # 0 for a zero or masked value

    @property
    def label_y(self) -> float:
        return self.y - 5

    @property
    def value_x(self) -> float:
        return self.width + 6

    @property
    def value_y(self) -> float:
        return self.y + 12


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: float
    value_x_offset: float = 6


def bar_chart(
    table: Table, *, label_column: str = "value", value_column: str = "count", id_: str = "", limit=None
) -> BarChart:
    labels, values = table.column(label_column), table.column(value_column)
    kind = next(c.kind for c in table.columns if c.key == value_column)
    rows = list(zip(labels, values, strict=True))[:limit]
    largest = max((v for _, v in rows if isinstance(v, int | float) and not isinstance(v, Masked)), default=0)
    bars = []
    for i, (label, value) in enumerate(rows):
        numeric = 0 if isinstance(value, Masked) or value is None else value
        width = BAR_AREA * numeric / largest if largest else 0
        bars.append(Bar(str(label), format_value(value, kind), 20 + i * BAR_ROW, round(width, 1)))
    return BarChart(
        id=id_ or f"graphique-{table.key}",
        title=table.title,
        description=describe_bars(table, label_column, value_column, kind),
        bars=bars,
        height=len(bars) * BAR_ROW + 8,
    )


def describe_bars(table: Table, label_column: str, value_column: str, kind: str) -> str:
    rows = [
        (label, value)
        for label, value in zip(table.column(label_column), table.column(value_column), strict=True)
        if isinstance(value, int | float) and not isinstance(value, Masked) and value
    ]
    if not rows:
        return f"{table.title} : aucune donnée à représenter pour cette période."
    if kind == COUNT and len(rows) > 1:
        rows.sort(key=lambda row: -row[1])
        top = ", ".join(f"{label} ({format_value(value, kind)})" for label, value in rows[:3])
        return f"{table.title}. Les plus nombreuses : {top}. Le tableau qui suit donne toutes les valeurs."
    parts = "; ".join(f"{label} : {format_value(value, kind)}" for label, value in rows)
    return f"{table.title}. {parts}."


def funnel_description(table: Table) -> str:
    counts = table.column("count")
    labels = [label[0].lower() + label[1:] for label in table.column("step")]
    sent = counts[0]
    if not sent:
        return "Aucune orientation envoyée pendant la période."
    parts = [f"{format_value(sent, COUNT)} orientations envoyées"]
    for label, count, share in zip(labels[1:], counts[1:], table.column("of_sent")[1:], strict=True):
        parts.append(f"{label} : {format_value(count, COUNT)} ({format_value(share, RATE)})")
    return "Parcours des orientations : " + " ; ".join(parts) + "."


@dataclass
class Series:
    label: str
    colour: str
    segments: list[str]  # SVG polyline points; a hidden value breaks the line
    dots: list[tuple[float, float, str]]  # x, y, tooltip


@dataclass
class LineChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    series: list[Series]
    y_ticks: list[tuple[float, str]]  # y, label
    x_labels: list[tuple[float, str]]  # x, label
    plot: tuple[float, float, float, float]  # x0, y0, x1, y1


def _tick_step(value: float, ticks: int = 4) -> int:
    """A whole step (1, 2, 5, 10, 20, 25, 50…) such that ``ticks`` steps reach ``value``."""
    target = max(value / ticks, 1)
    exponent = 10 ** math.floor(math.log10(target))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * exponent
        if step >= target and step == int(step):
            return int(step)
    return int(10 * exponent)  # pragma: no cover


def line_chart(table: Table, columns: list[str], *, id_: str = "") -> LineChart:
    width, height = LINE_SIZE
    x0, y0, x1, y1 = 56, 12, width - 12, height - 40
    labels = table.column("month")
    largest = max(
        (v for key in columns for v in table.column(key) if isinstance(v, int) and not isinstance(v, Masked)),
        default=0,
    )
    step = _tick_step(largest)
    top = 4 * step
    n = len(labels)

    def x_of(i: int) -> float:
        return round(x0 + (x1 - x0) * (i + 0.5) / n, 1)

    def y_of(v: float) -> float:
        return round(y1 - (y1 - y0) * v / top, 1)

    series = []
    for colour, key in zip(SERIES_COLOURS, columns, strict=False):
        column = next(c for c in table.columns if c.key == key)
        segments, points, dots = [], [], []
        for i, value in enumerate(table.column(key)):
            if isinstance(value, Masked) or value is None:
                # A hidden value breaks the line rather than drawing it at a made-up height.
                if points:
                    segments.append(" ".join(points))
                points = []
                continue
            points.append(f"{x_of(i)},{y_of(value)}")
            dots.append(
                (x_of(i), y_of(value), f"{labels[i]} — {column.label} : {format_value(value, COUNT)}")
            )
        if points:
            segments.append(" ".join(points))
        series.append(Series(column.label, colour, segments, dots))
    every = max(1, math.ceil(n / 12))
    x_labels = [(x_of(i), _short_month(labels[i])) for i in range(0, n, every)]
    y_ticks = [(y_of(step * k), format_value(step * k, COUNT)) for k in range(5)]
    return LineChart(
        id=id_ or f"graphique-{table.key}",
        title=table.title,
        description=describe_series(table, columns),
        width=width,
        height=height,
        series=series,
        y_ticks=y_ticks,
        x_labels=x_labels,
        plot=(x0, y0, x1, y1),
    )


def _short_month(label: str) -> str:
    name, year = label.rsplit(" ", 1)
    return f"{name[:4].rstrip('.')}. {year[2:]}" if len(name) > 4 else f"{name} {year[2:]}"


def describe_series(table: Table, columns: list[str]) -> str:
    labels = table.column("month")
    key = columns[0]
    values = [
        (label, v)
        for label, v in zip(labels, table.column(key), strict=True)
        if isinstance(v, int) and not isinstance(v, Masked)
    ]
    if not values and table.rows:
        return f"{table.title} : effectifs mensuels inférieurs à 5, masqués."
    if not values or not any(v for _, v in values):
        return f"{table.title} : aucune orientation pendant la période."
    total = sum(v for _, v in values)
    peak = max(values, key=lambda item: item[1])
    low = min(values, key=lambda item: item[1])
    return (
        f"{table.title}, {labels[0]} à {labels[-1]} : {format_value(total / len(values), DECIMAL)} par mois en moyenne, "
        f"au plus {format_value(peak[1], COUNT)} ({peak[0]}), au moins {format_value(low[1], COUNT)} ({low[0]})."
    )


# ---------------------------------------------------------------------------------------------------
# Map


@dataclass
class Area:
    code: str
    path: str
    fill: str
    title: str


@dataclass
class Marker:
    x: float
    y: float
    title: str


@dataclass
class LegendItem:
    colour: str
    label: str
    pattern: bool = False


@dataclass
class MapChart:
    id: str
    title: str
    description: str
    view_box: str
    areas: list[Area]
    frames: list
    legend: list[LegendItem]
    markers: list[Marker] = field(default_factory=list)

    @property
    def areas_svg(self) -> str:
        """One <path> per département with its <title> (written here: 101 paths of ~1 kB each)."""
        return format_html_join(
            "",
            '<path d="{}" fill="{}" data-code="{}"><title>{}</title></path>',
            ((a.path, a.fill, a.code, a.title) for a in self.areas),
        )


def _breaks(values: list[float], classes: int) -> list[float]:
    """Upper bounds of ``classes`` classes of (about) equal counts, rounded to two significant digits."""
    ordered = sorted(values)
    bounds = []
    for k in range(1, classes):
        v = ordered[min(len(ordered) - 1, math.ceil(k * len(ordered) / classes) - 1)]
        bound = float(f"{v:.2g}") if v else 0.0
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def choropleth(
    values: dict[str, object],
    names: dict[str, str],
    *,
    id_: str,
    title: str,
    description: str,
    unit: str,
    kind: str = DECIMAL,
    codes=None,
    markers: list[Marker] | None = None,
) -> MapChart:
    """One <path> per département, filled by the class of its value (None: no data; MASKED: hatched)."""
    shapes, frames = geo.drawing()
    wanted = list(shapes) if codes is None else [c for c in shapes if c in set(codes)]
    numeric = [
        v
        for c, v in values.items()
        if c in wanted and isinstance(v, int | float) and not isinstance(v, Masked)
    ]
    bounds = _breaks(numeric, len(MAP_COLOURS)) if numeric else []
    colours = MAP_COLOURS[-(len(bounds) + 1) :] if bounds else MAP_COLOURS[-1:]

    def colour_of(value) -> str:
        for bound, colour in zip(bounds, colours, strict=False):
            if value <= bound:
                return colour
        return colours[-1]

    areas = []
    for code in wanted:
        value = values.get(code)
        name = names.get(code, code)
        if isinstance(value, Masked):
            fill, text = f"url(#{id_}-hachures)", "moins de 5 orientations (masqué)"
        elif value is None:
            fill, text = "#f6f6f6", "pas de donnée"
        else:
            fill, text = colour_of(value), f"{format_value(value, kind)} {unit}"
        areas.append(Area(code, shapes[code].path, fill, f"{name} ({code}) : {text}"))
    legend = []
    lower = None
    for bound, colour in zip([*bounds, None], colours, strict=True):
        if bound is None:
            label = f"plus de {format_value(lower, kind)}" if lower is not None else "toutes valeurs"
        elif lower is None:
            label = f"jusqu'à {format_value(bound, kind)}"
        else:
            label = f"de {format_value(lower, kind)} à {format_value(bound, kind)}"
        legend.append(LegendItem(colour, label))
        lower = bound
    legend.append(LegendItem("#f6f6f6", "pas de donnée"))
    if any(isinstance(values.get(c), Masked) for c in wanted):
        legend.append(LegendItem("", "moins de 5 (masqué)", pattern=True))
    view_box = geo.view_box(wanted) if codes is not None else f"0 0 {geo.WIDTH} {geo.HEIGHT}"
    return MapChart(
        id=id_,
        title=title,
        description=description,
        view_box=view_box,
        areas=areas,
        frames=[f for f in frames if codes is None],
        legend=legend,
        markers=markers or [],
    )


def describe_map(
    values: dict[str, object], names: dict[str, str], *, title: str, unit: str, kind: str = DECIMAL
) -> str:
    ranked = sorted(
        ((v, c) for c, v in values.items() if isinstance(v, int | float) and not isinstance(v, Masked)),
        key=lambda item: (-item[0], item[1]),
    )
    if not ranked:
        return f"{title} : aucune donnée pour cette période."

    def listing(items):
        return ", ".join(f"{names.get(c, c)} ({format_value(v, kind)})" for v, c in items)

    text = f"{title}. Valeurs les plus fortes : {listing(ranked[:3])}"
    if len(ranked) > 3:
        text += f" ; les plus faibles : {listing(ranked[-3:][::-1])}"
    return text + f" ({unit}). Le tableau des départements donne toutes les valeurs."
