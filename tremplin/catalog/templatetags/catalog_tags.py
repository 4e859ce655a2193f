from django import template

from tremplin.catalog.enums import QualificationLevel

register = template.Library()


@register.filter
def level_label(value) -> str:
    try:
        return QualificationLevel(int(value)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def is_demo(training) -> bool:
    """Demo data is labelled: a demo provider, or an action at a demo Cnam site (prefetched actions)."""
    if training.provider.is_demo:
        return True
    actions = getattr(training, "listed_actions", None) or getattr(training, "all_actions", [])
    return any(action.cnam_site is not None and action.cnam_site.is_demo for action in actions)
