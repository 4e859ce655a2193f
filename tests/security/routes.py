"""Every route of the URL configuration, found by walking the resolver: the access matrix is generated
from this list, so a route added to any urls.py appears here without anyone listing it."""

import dataclasses

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclasses.dataclass(frozen=True)
class Route:
    # "namespace:name" for a named route; the full pattern (e.g. "admin/(?P<url>.*)$") otherwise.
    key: str
    pattern: str
    params: tuple[str, ...]
    name: str | None
    callback: object = dataclasses.field(compare=False, repr=False)

    def __str__(self):
        return self.key


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(patterns, prefix: str, namespace: str, params: list[str]):
    for entry in patterns:
        here = prefix + str(entry.pattern)
        names = params + _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, here, inner, names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if entry.name and namespace else entry.name
            yield Route(
                key=name or here, pattern=here, params=tuple(names), name=name, callback=entry.callback
            )


def all_routes(urlpatterns=None) -> list[Route]:
    """The routes of ``urlpatterns`` (default: the project's URLconf), in URLconf order.

    Two patterns with the same name (an optional part, say) would share a rule: the key is unique."""
    patterns = get_resolver().url_patterns if urlpatterns is None else urlpatterns
    routes, seen = [], set()
    for route in _walk(patterns, "", "", []):
        if route.key not in seen:
            seen.add(route.key)
            routes.append(route)
    return routes
