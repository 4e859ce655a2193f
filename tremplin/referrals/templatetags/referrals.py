"""Template helpers for pages outside the app (home pages, the young person's record)."""

from django import template

from tremplin.referrals.models import Referral, side_of

register = template.Library()


@register.simple_tag(takes_context=True)
def referral_counts(context) -> dict:
    """Counts for the current member's home page: ``to_act``, ``late``, ``active``, ``new``."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    side = side_of(membership)
    if side is None:
        return {}
    return Referral.objects.visible_to(membership).counts(side)


@register.simple_tag(takes_context=True)
def person_referrals(context, person) -> list:
    """The person's referrals as the current member may see them, newest first."""
    request = context.get("request")
    return list(
        Referral.objects.visible_to(getattr(request, "membership", None))
        .filter(young_person=person)
        .select_related("site", "session__action__training")
        .order_by("-sent_at", "-pk")
    )


@register.inclusion_tag("referrals/_status_badge.html")
def referral_status(referral):
    return {"referral": referral}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
