"""Statistical secrecy: small counts are hidden wherever people outside the organisation read figures.

A count of 1 to 4 could point at a person ("the one young person of this village who was refused"),
so steering pages and every export show it as "< 5". Zero is shown: it reveals no one. A rate, a
share or a delay computed from a hidden count is hidden too, since it would give the count back.
"""

from collections.abc import Sequence

SMALL_COUNT_THRESHOLD = 5


class Masked:
    """A hidden value. One instance (``MASKED``); templates and exports print it as "< 5"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self):
        return f"< {SMALL_COUNT_THRESHOLD}"

    def __repr__(self):
        return "MASKED"

    def __bool__(self):
        return True


MASKED = Masked()


def is_small(count: int) -> bool:
    return 0 < count < SMALL_COUNT_THRESHOLD


def mask_count(count: int, *, enabled: bool = True) -> int | Masked:
    return MASKED if enabled and is_small(count) else count


def mask_parts(counts: Sequence[int], *, enabled: bool = True) -> list[int | Masked]:
    """Mask the small parts of a whole whose total is shown.

    With one hidden part only, the total minus the others gives it back; so the smallest other
    non-zero part is hidden as well (secondary suppression, the usual rule of statistical secrecy).
    """
    if not enabled:
        return list(counts)
    hidden = {i for i, n in enumerate(counts) if is_small(n)}
    if len(hidden) == 1:
        others = [(n, i) for i, n in enumerate(counts) if n > 0 and i not in hidden]
        if others:
            hidden.add(min(others)[1])
    return [MASKED if i in hidden else n for i, n in enumerate(counts)]


def ratio(numerator, denominator) -> float | Masked | None:
    """numerator / denominator, hidden if either is hidden, ``None`` when the denominator is 0."""
    if isinstance(numerator, Masked) or isinstance(denominator, Masked):
        return MASKED
    if not denominator:
        return None
    return numerator / denominator
