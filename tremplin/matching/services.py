"""Entry point of the matching for the rest of Tremplin (pages, command, API)."""

from datetime import date

from django.utils import timezone

from tremplin.matching.loader import shared_index
from tremplin.matching.ranking import Filters, Profile, Ranking, rank


def recommend(
    profile: Profile,
    *,
    filters: Filters = Filters(),
    limit: int = 20,
    near_miss_limit: int = 10,
    today: date | None = None,
) -> Ranking:
    """The ranked Cnam sessions for a profile, with near misses, over the process's shared index."""
    index, labels = shared_index()
    return rank(
        index,
        profile,
        today=today or timezone.localdate(),
        filters=filters,
        limit=limit,
        near_miss_limit=near_miss_limit,
        labels=labels,
    )
