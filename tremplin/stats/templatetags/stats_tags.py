from django import template

from tremplin.stats.masking import Masked
from tremplin.stats.tables import format_value

register = template.Library()


@register.filter
def figure(value, kind: str = "count") -> str:
    """A value as the pages print it ("1 234", "12,5 %", "< 5", "—")."""
    return format_value(value, kind)


@register.filter
def is_masked(value) -> bool:
    return isinstance(value, Masked)


@register.inclusion_tag("stats/_table.html")
def stats_table(table, export_url: str = "", query: str = "", limit: int = 0):
    """The table with its export links; ``limit``: rows shown (the files always have them all)."""
    shown = table.rows[:limit] if limit else table.rows
    rows = [
        [
            {
                "text": format_value(value, column.kind),
                "numeric": column.is_numeric,
                "masked": isinstance(value, Masked),
            }
            for value, column in zip(row, table.columns, strict=True)
        ]
        for row in shown
    ]
    hidden = len(table.rows) - len(shown)
    return {"table": table, "rows": rows, "export_url": export_url, "query": query, "hidden": hidden}
