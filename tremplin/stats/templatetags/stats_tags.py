"""Template helpers of the dashboards. Tables are written in Python (format_html): a national
dashboard prints some 2,000 cells, which the template language renders several times slower."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tremplin.stats.masking import Masked
from tremplin.stats.tables import format_value

register = template.Library()


@register.filter
def figure(value, kind: str = "count") -> str:
    """A value as the pages print it ("1 234", "12,5 %", "< 5", "—")."""
    return format_value(value, kind)


def _cell(value, column, first: bool):
    text = format_value(value, column.kind)
    if isinstance(value, Masked):
        text = format_html('<abbr title="moins de 5, masqué">{}</abbr>', text)
    if first:
        return format_html('<th scope="row">{}</th>', text)
    return format_html("<td{}>{}</td>", mark_safe(' class="stats-num"') if column.is_numeric else "", text)


@register.simple_tag
def stats_table(table, export_url: str = "", query: str = "", limit: int = 0):
    """The table, a note, and its CSV and XLSX links; ``limit``: rows shown (files have them all)."""
    shown = table.rows[:limit] if limit else table.rows
    header = format_html_join(
        "",
        '<th scope="col"{}>{}</th>',
        ((mark_safe(' class="stats-num"') if c.is_numeric else "", c.label) for c in table.columns),
    )
    if shown:
        body = mark_safe(
            "".join(
                "<tr>"
                + "".join(
                    _cell(v, c, i == 0) for i, (v, c) in enumerate(zip(row, table.columns, strict=True))
                )
                + "</tr>"
                for row in shown
            )
        )
    else:
        body = format_html(
            '<tr><td colspan="{}">Aucune orientation pendant la période.</td></tr>', len(table.columns)
        )
    # DSFR 1.12+ table markup; the container scrolls when the table is wider than its column, so
    # it takes the focus and is named, for keyboard users to scroll it (axe scrollable-region-focusable).
    html = format_html(
        '<div class="fr-table fr-table--bordered fr-mb-1w" id="tableau-{}"><div class="fr-table__wrapper">'
        '<div class="fr-table__container" tabindex="0" role="region" aria-label="{}">'
        '<div class="fr-table__content"><table><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></div></div></div>",
        table.key,
        table.title,
        table.title,
        header,
        body,
    )
    hidden = len(table.rows) - len(shown)
    if hidden:
        html += format_html(
            '<p class="fr-text--xs fr-mb-1w">… et {} autres lignes, dans les fichiers CSV et XLSX.</p>',
            hidden,
        )
    if table.note:
        html += format_html('<p class="fr-text--xs fr-mb-1w">{}</p>', table.note)
    if export_url:
        links = format_html_join(
            "",
            '<li><a class="fr-btn fr-btn--tertiary fr-icon-download-line fr-btn--icon-left" href="{}{}" download>'
            '{}<span class="fr-sr-only"> — {}</span></a></li>',
            (
                (reverse(export_url, args=[table.key, fmt]), query, fmt.upper(), table.title)
                for fmt in ("csv", "xlsx")
            ),
        )
        html += format_html(
            '<ul class="fr-btns-group fr-btns-group--inline fr-btns-group--sm fr-mb-4w">{}</ul>', links
        )
    return html
