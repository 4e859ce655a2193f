"""The access-control matrix: every route of the URL configuration, requested by every role.

The list of routes comes from the URL resolver (routes.py), the expected answers from one table
(rules.py): a route added without a rule fails here, named. A GET must give each role the answer of
the table; a write that a role must not make is refused and leaves the database as it was.

Known departures from the table are listed in rules.KNOWN_BUGS: each is its own test, marked
xfail(strict), so it turns red the day it is fixed (then remove it from KNOWN_BUGS)."""

import json
import re

import pytest
from django.apps import apps
from django.urls import path, reverse
from django.utils.http import urlencode

from tests.security.outcomes import COUNSELLOR_A, COUNSELLOR_B, REFERENT_Y, ROLES, STEERING, mismatch
from tests.security.routes import all_routes
from tests.security.rules import KNOWN_BUGS, RULES, MissingRule, admin_rule, rule_for

ROUTES = all_routes()


def _cases():
    for route in ROUTES:
        bugs = {role: reason for (key, role), reason in KNOWN_BUGS.items() if key == route.key}
        yield pytest.param(route, tuple(r for r in ROLES if r not in bugs), id=route.key)
        for role, reason in bugs.items():
            yield pytest.param(
                route, (role,), id=f"{route.key}|{role}", marks=pytest.mark.xfail(strict=True, reason=reason)
            )


def url_of(route, rule, world) -> str:
    if rule.path:
        return rule.path
    kwargs = rule.kwargs(world)
    assert set(kwargs) == set(route.params), (
        f"the rule of {route.key} gives {sorted(kwargs)}, not {route.params}"
    )
    if route.name:
        url = reverse(route.name, kwargs=kwargs)
    else:  # an unnamed route: its pattern with the arguments in place
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs[m[1]], route.pattern)
    query = rule.query(world)
    if query:
        url += "?" + urlencode(query)
    return url


def _request(client, method, url, data=None):
    if url.startswith("/api/v1/"):
        return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")
    return getattr(client, method)(url, data or {})


# The admin form of django-dsfr's settings has a URLField that warns about Django 6's default scheme.
@pytest.mark.filterwarnings(
    "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
)
@pytest.mark.parametrize(("route", "roles"), list(_cases()))
def test_each_role_gets_the_expected_answer(route, roles, world, as_role):
    rule = rule_for(route)
    url = url_of(route, rule, world)
    expected = rule.answers_in(world)
    wrong = []
    for role in roles:
        response = as_role(role).get(url)
        if problem := mismatch(expected[role], response, url):
            wrong.append(f"{role}: {problem}")
        if role in NEVER_SEE_ML_A_PEOPLE and _shows(response, world.person.last_name):
            wrong.append(f"{role}: the page shows ML A's young person")
    assert not wrong, f"GET {url}\n" + "\n".join(wrong)


# Whatever the page, these roles never see a young person of ML A: not her name, not in any list.
NEVER_SEE_ML_A_PEOPLE = (COUNSELLOR_B, REFERENT_Y, STEERING)


def _shows(response, text: str) -> bool:
    return not response.streaming and text in response.content.decode(errors="replace")


def _refusal_cases():
    for route in ROUTES:
        found = RULES.get(route.key)
        if found is not None and found.refuse is not None:
            yield pytest.param(route, id=route.key)


# Tables that a refused request may still write: the session, the login-attempt bookkeeping.
NOT_FINGERPRINTED = {"sessions", "axes"}


def fingerprint() -> dict:
    """Every row of every table (but the users' last login and the tables above)."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in NOT_FINGERPRINTED or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        state[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state


@pytest.mark.parametrize("route", list(_refusal_cases()))
def test_forbidden_writes_are_refused_and_change_nothing(route, world, as_role):
    rule = rule_for(route)
    url = url_of(route, rule, world)
    refuse = rule.refuse
    data = refuse.data(world)
    wrong = []
    before = fingerprint()
    for role, answer in refuse.answers.items():
        response = _request(as_role(role), refuse.method, url, data)
        if problem := mismatch(answer, response, url):
            wrong.append(f"{role}: {problem}")
    # One comparison for all the refused roles: a change fails the test, whoever made it.
    changed = [label for label, rows in fingerprint().items() if rows != before[label]]
    if changed:
        wrong.append(f"the refused writes changed {', '.join(changed)}")
    assert not wrong, f"{refuse.method.upper()} {url}\n" + "\n".join(wrong)


# -- The guard: a route without a rule, or a rule without a route, fails -------------------------


def test_every_route_has_a_rule_and_every_rule_a_route():
    keys = {route.key for route in ROUTES}
    unruled = []
    for route in ROUTES:
        try:
            rule_for(route)
        except MissingRule as error:
            unruled.append(str(error))
    assert not unruled, "\n".join(unruled)
    assert sorted(set(RULES) - keys) == [], "rules of routes that no longer exist"
    assert {key for key, _ in KNOWN_BUGS} <= keys


def test_a_new_route_without_a_rule_is_reported_by_name():
    from config.urls import urlpatterns

    def view(request):
        raise AssertionError("never called")

    routes = all_routes([*urlpatterns, path("nouvelle-page/<int:pk>/", view, name="surprise")])
    surprise = next(route for route in routes if route.key == "surprise")
    assert surprise.params == ("pk",)
    with pytest.raises(MissingRule, match="'surprise'"):
        rule_for(surprise)
    # An admin page of a kind the admin rules do not know is not guessed either.
    assert admin_rule("admin:accounts_user_export") is None


def test_routes_of_included_urlconfs_are_found_with_their_namespace():
    keys = {route.key for route in ROUTES}
    assert {"youth:detail", "api-young-person", "admin:referrals_referral_change", "admin:index"} <= keys
    assert "admin/(?P<url>.*)$" in keys  # unnamed routes are keyed by their pattern


def test_the_fingerprint_sees_a_write(world):
    from tremplin.youth.services import young_person_archive

    before = fingerprint()
    young_person_archive(young_person=world.person, user=world.users[COUNSELLOR_A])
    after = fingerprint()
    assert [label for label in after if after[label] != before[label]] == ["youth.YoungPerson"]
