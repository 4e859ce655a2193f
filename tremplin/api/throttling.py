"""Rate limits: per token, per signed-in person, and per address for anonymous calls.

A fixed window counter in Django's cache (one ``incr`` per request, atomic in memcached and Redis).
With the default local-memory cache each server process counts on its own: behind N processes the
real limit is N times the setting. A deployment with several processes sets a shared cache
(``CACHES``) to make the limit exact.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: ``token``, ``user`` and ``anon``
(``"600/min"``; ``None`` switches a limit off). When exceeded: 429 with ``Retry-After``.
"""

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from tremplin.api.models import ApiToken

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    if not rate:
        return None
    number, period = rate.split("/")
    return int(number), _PERIODS[period[0]]


class ClientRateThrottle(BaseThrottle):
    timer = time.time

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            scope, ident = "token", str(request.auth.pk)
        elif request.user and request.user.is_authenticated:
            scope, ident = "user", str(request.user.pk)
        else:
            scope, ident = "anon", self.get_ident(request)
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(scope))
        if rate is None:
            return True
        limit, period = rate
        now = self.timer()
        window = int(now // period)
        key = f"api-rate:{scope}:{ident}:{period}:{window}"
        # add() is a no-op when the key exists, so two first requests at once both count.
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
        self._wait = (window + 1) * period - now
        return count <= limit

    def wait(self):
        return self._wait
