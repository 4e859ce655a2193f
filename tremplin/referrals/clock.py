"""The referrals' notion of "now": one place that tests (and the demo, to write a plausible past)
can move, so that deadlines are tested with a controlled clock and no sleeping."""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_frozen: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "referrals_now", default=None
)


def now() -> datetime.datetime:
    return _frozen.get() or timezone.now()


@contextlib.contextmanager
def frozen(at: datetime.datetime):
    """``with frozen(at):`` every referral service in this context believes it is ``at``."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    token = _frozen.set(at)
    try:
        yield at
    finally:
        _frozen.reset(token)
