from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_fr(value: timedelta) -> str:
    """``timedelta(minutes=90)`` → "1 h 30 min"; "30 minutes"; "2 heures"."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    if not minutes:
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{hours} h {minutes:02d} min"
