"""Chart geometry and text alternatives."""

from tremplin.stats import charts
from tremplin.stats.masking import MASKED
from tremplin.stats.tables import COUNT, TEXT, Column, Table


def months(values) -> Table:
    return Table(
        key="mois",
        title="Orientations envoyées chaque mois",
        columns=[Column("month", "Mois", TEXT), Column("sent", "Envoyées"), Column("enrolled", "Entrées")],
        rows=[
            [f"{name} 2025", sent, enrolled]
            for name, (sent, enrolled) in zip(["janvier", "février", "mars", "avril"], values, strict=False)
        ],
    )


def test_bars_are_proportional_and_hidden_values_have_no_bar():
    table = Table(
        key="t",
        title="Motifs",
        columns=[Column("value", "Motif", TEXT), Column("count", "Orientations", COUNT)],
        rows=[["A", 40], ["B", 10], ["C", MASKED], ["D", 0]],
    )
    chart = charts.bar_chart(table)
    assert [(b.label, b.width, b.text) for b in chart.bars] == [
        ("A", charts.BAR_AREA, "40"),
        ("B", charts.BAR_AREA / 4, "10"),
        ("C", 0, "< 5"),
        ("D", 0, "0"),
    ]
    assert (
        chart.description
        == "Motifs. Les plus nombreuses : A (40), B (10). Le tableau qui suit donne toutes les valeurs."
    )


def test_a_hidden_month_breaks_the_line():
    chart = charts.line_chart(
        months([(12, 5), (MASKED, MASKED), (30, 8), (25, MASKED)]), ["sent", "enrolled"]
    )
    sent, enrolled = chart.series
    assert (
        len(sent.segments) == 2 and len(sent.segments[0].split()) == 1 and len(sent.segments[1].split()) == 2
    )
    assert len(enrolled.segments) == 2
    assert [label for _, label in chart.y_ticks] == ["0", "10", "20", "30", "40"]
    assert sent.dots[0][2] == "janvier 2025 — Envoyées : 12"
    assert chart.description == (
        "Orientations envoyées chaque mois, janvier 2025 à avril 2025 : 22,3 par mois en moyenne, "
        "au plus 30 (mars 2025), au moins 12 (janvier 2025)."
    )


def test_choropleth_classes_legend_and_hidden_values():
    values = {"12": 1.0, "31": 2.0, "81": 3.0, "46": 4.0, "82": 5.0, "15": MASKED}
    names = {"12": "Aveyron", "15": "Cantal"}
    chart = charts.choropleth(
        values, names, id_="carte", title="T", description="D", unit="u", codes=list(values)
    )
    fills = {area.code: area.fill for area in chart.areas}
    assert fills["12"] == charts.MAP_COLOURS[0] and fills["82"] == charts.MAP_COLOURS[-1]
    assert fills["15"] == "url(#carte-hachures)"
    assert (
        next(a.title for a in chart.areas if a.code == "15")
        == "Cantal (15) : moins de 5 orientations (masqué)"
    )
    assert [item.label for item in chart.legend] == [
        "jusqu'à 1,0",
        "de 1,0 à 2,0",
        "de 2,0 à 3,0",
        "de 3,0 à 4,0",
        "plus de 4,0",
        "pas de donnée",
        "moins de 5 (masqué)",
    ]
    text = charts.describe_map(values, names, title="T", unit="u")
    assert text.startswith(
        "T. Valeurs les plus fortes : 82 (5,0), 46 (4,0), 81 (3,0) ; les plus faibles : Aveyron (1,0), 31 (2,0)"
    )
