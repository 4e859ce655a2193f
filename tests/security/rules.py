"""Who may GET what: one rule per route of the URL configuration (see test_access_matrix.py).

A rule gives the answer each role expects to a GET of the route, with the route's arguments pointing
at objects of mission locale A and Cnam site X (``world`` in conftest.py): a counsellor of ML B or a
referent of site Y must not reach them (404, as the scoped querysets answer). ``refuse`` adds a write
(POST, PATCH) that the roles it names must see refused, with nothing changed in the database.

Admin routes get their rule from their kind (see ``admin_rule``): staff reach them, everyone else is
sent to a login page.

To add a rule for a new route, add an entry to RULES under the key the failure names (the URL name,
"namespace:name", or the pattern of an unnamed route):

    "youth:export": rule(
        {ANON: LOGIN, MANAGER_A: 200, COUNSELLOR_A: 403, OTHERS: 404},  # roles or groups → answer
        kwargs=pk("person"),  # the URL's arguments, from the world (conftest.build_world)
        query=lambda w: {"format": "json"},  # optional query string
        refuse=refusal({COUNSELLOR_B: 404}, data=lambda w: {...}),  # optional refused write
    ),

Answers: a status code, LOGIN (302 to Tremplin's login, back to the page afterwards), ADMIN_LOGIN,
or Redirect("url:name"). Say what each role should get; if the application answers otherwise and a
user would not expect it, keep the right answer here and add the case to KNOWN_BUGS."""

import dataclasses
import re
from collections.abc import Callable

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.security.outcomes import (
    ADMIN_LOGIN,
    ANON,
    CNAM,
    CNAM_X,
    COUNSELLOR_A,
    COUNSELLOR_B,
    DASHBOARD_READERS,
    EVERYONE,
    LOGIN,
    MANAGER_A,
    ML,
    ML_A,
    OTHERS,
    REFERENT_X,
    REFERENT_Y,
    REGIONAL,
    SIGNED_IN,
    STAFF,
    STEERING,
    Redirect,
    expect,
)


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A write the named roles must see refused, leaving every table as it was."""

    answers: dict
    method: str = "post"
    data: Callable = lambda world: {}


@dataclasses.dataclass(frozen=True)
class Rule:
    answers: dict | Callable  # role → answer, or world → (role → answer)
    kwargs: Callable = lambda world: {}
    query: Callable = lambda world: {}
    path: str | None = None  # the URL to request, for a route without a name (a regex catch-all)
    refuse: Refusal | None = None

    def answers_in(self, world) -> dict:
        return self.answers(world) if callable(self.answers) else self.answers


def rule(spec, **options) -> Rule:
    return Rule(expect(spec), **options)


def refusal(spec, method="post", data=lambda world: {}) -> Refusal:
    """Like ``expect``, but only the roles named: those whose write must be refused."""
    answers = {}
    for key, answer in spec.items():
        for role in key if isinstance(key, tuple) else (key,):
            if role not in EVERYONE or role in answers:
                raise ValueError(f"unknown or repeated role {role!r}")
            answers[role] = answer
    return Refusal(answers, method, data)


def pk(name):
    return lambda world: {"pk": getattr(world, name).pk}


def staff_only(answer, anonymous=ADMIN_LOGIN):
    """An admin page: staff get ``answer``; anyone else signed in is sent to the admin login page
    (which says the account has no access to the admin); anonymous visitors to a login page."""
    return {ANON: anonymous, STAFF: answer, OTHERS: ADMIN_LOGIN}


# Frequent shapes.
PUBLIC = {EVERYONE: 200}
SIGNED_IN_ONLY = {ANON: LOGIN, SIGNED_IN: 200}
POST_ONLY = {ANON: LOGIN, SIGNED_IN: 405}
API_POST_ONLY = {ANON: 401, SIGNED_IN: 405}
OUTSIDE_ML_A = (COUNSELLOR_B, REFERENT_X, REFERENT_Y, REGIONAL, STEERING, STAFF)
NOT_API_MANAGERS = (COUNSELLOR_A, COUNSELLOR_B, REFERENT_X, REFERENT_Y, STEERING, STAFF)

RULES: dict[str, Rule] = {
    # -- Public pages ---------------------------------------------------------------------------
    "pages:home": rule(PUBLIC),
    "pages:accessibility": rule(PUBLIC),
    "pages:legal": rule(PUBLIC),
    "pages:personal_data": rule(PUBLIC),
    "pages:healthz": rule(PUBLIC),
    # -- Accounts -------------------------------------------------------------------------------
    "accounts:login": rule({ANON: 200, SIGNED_IN: Redirect("pages:home")}),
    "accounts:logout": rule(POST_ONLY),
    "accounts:password_reset": rule(PUBLIC),
    "accounts:password_reset_done": rule(PUBLIC),
    # A valid link moves its token into the session and redirects to the form (same route).
    "accounts:password_reset_confirm": rule(
        {EVERYONE: 302}, kwargs=lambda w: {"uidb64": w.reset_uid, "token": w.reset_token}
    ),
    "accounts:password_reset_complete": rule(PUBLIC),
    "accounts:password_change": rule(SIGNED_IN_ONLY),
    # Second factor: staff and steering have an authentication app (and entered its code); the
    # others have none and are offered to set one up.
    "accounts:second_factor_verify": rule(
        {ANON: LOGIN, (STEERING, STAFF): 200, OTHERS: Redirect("accounts:second_factor_setup")}
    ),
    "accounts:second_factor_setup": rule(
        {ANON: LOGIN, (STEERING, STAFF): Redirect("accounts:account"), OTHERS: 200}
    ),
    # A role that requires the second factor cannot turn it off, even with a code.
    "accounts:second_factor_disable": rule(
        POST_ONLY,
        refuse=refusal(
            {ANON: LOGIN, (STEERING, STAFF): Redirect("accounts:account")}, data=lambda w: {"code": "123456"}
        ),
    ),
    # ProConnect is configured by environment; without it (as in tests) its pages do not exist.
    "accounts:proconnect_login": rule({EVERYONE: 404}),
    "accounts:proconnect_callback": rule({EVERYONE: 404}),
    "accounts:account": rule(SIGNED_IN_ONLY),
    "accounts:switch_organisation": rule(SIGNED_IN_ONLY),
    # -- Network --------------------------------------------------------------------------------
    "network:organisation_detail": rule(
        {ANON: LOGIN, CNAM_X: 200, OTHERS: 404}, kwargs=lambda w: {"code": w.site_x.code}
    ),
    # -- Catalogue ------------------------------------------------------------------------------
    "catalog:catalogue": rule(PUBLIC),
    "catalog:training_detail": rule(PUBLIC, kwargs=pk("training")),
    "catalog:session_list": rule({ANON: LOGIN, CNAM: 200, OTHERS: 403}),
    "catalog:session_edit": rule(
        {ANON: LOGIN, CNAM_X: 200, REFERENT_Y: 404, OTHERS: 403},
        kwargs=pk("session"),
        refuse=refusal(
            {ANON: LOGIN, REFERENT_Y: 404, (*ML, STEERING, STAFF): 403},
            data=lambda w: {"registration_state": "closed", "places_available": "0"},
        ),
    ),
    # Regional admins import their region's offer; the operating team anyone's.
    "catalog:lheo_upload": rule(
        {ANON: LOGIN, (REGIONAL, STAFF): 200, OTHERS: 403},
        refuse=refusal({ANON: LOGIN, (*ML, REFERENT_X, REFERENT_Y, STEERING): 403}),
    ),
    # -- Young people ---------------------------------------------------------------------------
    "youth:list": rule({ANON: LOGIN, ML: 200, OTHERS: 403}),
    "youth:create": rule(
        {ANON: LOGIN, ML: 200, OTHERS: 403},
        refuse=refusal({ANON: LOGIN, (*CNAM, STEERING, STAFF): 403}, data=lambda w: w.person_form),
    ),
    "youth:rome_search": rule(SIGNED_IN_ONLY, query=lambda w: {"q": "boulanger"}),
    "youth:detail": rule({ANON: LOGIN, ML_A: 200, OTHERS: 404}, kwargs=pk("person")),
    "youth:edit": rule(
        {ANON: LOGIN, ML_A: 200, OTHERS: 404},
        kwargs=pk("person"),
        refuse=refusal({ANON: LOGIN, OUTSIDE_ML_A: 404}, data=lambda w: w.person_form),
    ),
    "youth:archive": rule(POST_ONLY, kwargs=pk("person"), refuse=refusal({ANON: LOGIN, OUTSIDE_ML_A: 404})),
    "youth:restore": rule(
        POST_ONLY, kwargs=pk("archived_person"), refuse=refusal({ANON: LOGIN, OUTSIDE_ML_A: 404})
    ),
    # Personal data (the ML manager's pages): ML A's counsellor is refused, anyone else finds nothing.
    "youth:access_log": rule({ANON: LOGIN, MANAGER_A: 200, OTHERS: 403}),
    "youth:person_access_log": rule(
        {ANON: LOGIN, MANAGER_A: 200, COUNSELLOR_A: 403, OTHERS: 404}, kwargs=pk("person")
    ),
    "youth:export": rule(
        POST_ONLY, kwargs=pk("person"), refuse=refusal({ANON: LOGIN, COUNSELLOR_A: 403, OUTSIDE_ML_A: 404})
    ),
    "youth:erase": rule(
        {ANON: LOGIN, MANAGER_A: 200, COUNSELLOR_A: 403, OTHERS: 404},
        kwargs=pk("person"),
        refuse=refusal(
            {ANON: LOGIN, COUNSELLOR_A: 403, OUTSIDE_ML_A: 404}, data=lambda w: {"confirm": "yes"}
        ),
    ),
    # -- Referrals ------------------------------------------------------------------------------
    "referrals:list": rule({ANON: LOGIN, ML: 200, OTHERS: 403}),
    "referrals:inbox": rule({ANON: LOGIN, CNAM: 200, OTHERS: 403}),
    # Pointing at ML A's person and site X's session: ML B cannot send a referral for them.
    "referrals:create": rule(
        {ANON: LOGIN, ML_A: 200, COUNSELLOR_B: 404, OTHERS: 403},
        query=lambda w: {"person": w.person.pk, "session": w.later_session.pk},
        refuse=refusal({ANON: LOGIN, COUNSELLOR_B: 404, (*CNAM, STEERING, STAFF): 403}),
    ),
    "referrals:preferences": rule({ANON: LOGIN, (*ML, *CNAM): 200, OTHERS: 403}),
    "referrals:detail": rule({ANON: LOGIN, (*ML_A, *CNAM_X): 200, OTHERS: 404}, kwargs=pk("referral")),
    "referrals:action": rule(
        POST_ONLY,
        kwargs=lambda w: {"pk": w.referral.pk, "action": "acknowledge"},
        refuse=refusal({ANON: LOGIN, (COUNSELLOR_B, REFERENT_Y): 404, (STEERING, STAFF): 403}),
    ),
    "referrals:message": rule(
        POST_ONLY,
        kwargs=pk("referral"),
        refuse=refusal(
            {ANON: LOGIN, (COUNSELLOR_B, REFERENT_Y): 404, (STEERING, STAFF): 403},
            data=lambda w: {"body": "Bonjour, où en est cette orientation ?"},
        ),
    ),
    "referrals:send_link": rule(
        POST_ONLY,
        kwargs=pk("referral"),
        refuse=refusal({ANON: LOGIN, COUNSELLOR_B: 404, (*CNAM, STEERING, STAFF): 403}),
    ),
    "referrals:redirect": rule(
        {ANON: LOGIN, ML_A: 200, COUNSELLOR_B: 404, OTHERS: 403},
        kwargs=pk("referral"),
        refuse=refusal({ANON: LOGIN, COUNSELLOR_B: 404, (*CNAM, STEERING, STAFF): 403}),
    ),
    # The young person's signed link: public, whoever opens it.
    "referrals:young_person_link": rule(PUBLIC, kwargs=lambda w: {"token": w.link_token}),
    # -- Statistics -----------------------------------------------------------------------------
    "stats:dashboard": rule({ANON: LOGIN, DASHBOARD_READERS: 200, OTHERS: 403}),
    "stats:export": rule(
        {ANON: LOGIN, DASHBOARD_READERS: 200, OTHERS: 403}, kwargs=lambda w: {"key": "statuts", "fmt": "csv"}
    ),
    "stats:reach": rule({ANON: LOGIN, STEERING: 200, OTHERS: 403}),
    "stats:reach_export": rule(
        {ANON: LOGIN, STEERING: 200, OTHERS: 403},
        kwargs=lambda w: {"key": "portee-synthese", "fmt": "csv"},
    ),
    # -- API access pages (tokens, webhooks) ----------------------------------------------------
    "api:access": rule({ANON: LOGIN, (MANAGER_A, REGIONAL): 200, OTHERS: 403}),
    "api:token_create": rule(
        POST_ONLY,
        refuse=refusal(
            {ANON: LOGIN, NOT_API_MANAGERS: 403}, data=lambda w: {"name": "intrus", "can_write": "on"}
        ),
    ),
    "api:token_revoke": rule(
        POST_ONLY, kwargs=pk("token"), refuse=refusal({ANON: LOGIN, REGIONAL: 404, NOT_API_MANAGERS: 403})
    ),
    "api:webhook_create": rule(
        POST_ONLY,
        refuse=refusal(
            {ANON: LOGIN, NOT_API_MANAGERS: 403}, data=lambda w: {"url": "https://intrus.example.org/"}
        ),
    ),
    "api:webhook_detail": rule(
        {ANON: LOGIN, MANAGER_A: 200, REGIONAL: 404, OTHERS: 403}, kwargs=pk("webhook")
    ),
    "api:webhook_deactivate": rule(
        POST_ONLY, kwargs=pk("webhook"), refuse=refusal({ANON: LOGIN, REGIONAL: 404, NOT_API_MANAGERS: 403})
    ),
    # -- REST API v1 (signed-in people; tokens are tested in tests/api) ---------------------------
    "api-communes": rule(PUBLIC, query=lambda w: {"q": "rodez"}),
    "api-sites": rule(PUBLIC),
    "api-site": rule(PUBLIC, kwargs=pk("site_x")),
    "api-trainings": rule(PUBLIC),
    "api-training": rule(PUBLIC, kwargs=pk("training")),
    "api-sessions": rule(PUBLIC),
    "api-session": rule(
        PUBLIC,
        kwargs=pk("session"),
        refuse=refusal(
            {ANON: 401, (*ML, REFERENT_Y, STEERING, STAFF): 404},
            method="patch",
            data=lambda w: {"registration_state": "closed"},
        ),
    ),
    "api-recommendations": rule(API_POST_ONLY),
    "api-young-people": rule(
        {ANON: 401, ML: 200, OTHERS: 403},
        refuse=refusal({ANON: 401, (*CNAM, STEERING, STAFF): 403}, data=lambda w: w.person_json),
    ),
    "api-young-person": rule(
        {ANON: 401, ML_A: 200, OTHERS: 404},
        kwargs=pk("person"),
        refuse=refusal(
            {ANON: 401, OUTSIDE_ML_A: 404}, method="patch", data=lambda w: {"phone": "06 00 00 00 00"}
        ),
    ),
    "api-young-person-recommendations": rule({ANON: 401, ML_A: 200, OTHERS: 404}, kwargs=pk("person")),
    "api-referrals": rule(
        {ANON: 401, (*ML, *CNAM): 200, OTHERS: 403},
        refuse=refusal(
            {ANON: 401, (*CNAM, STEERING, STAFF): 403},
            data=lambda w: {"young_person": w.person.pk, "session": w.later_session.pk},
        ),
    ),
    "api-referral": rule({ANON: 401, (*ML_A, *CNAM_X): 200, OTHERS: 404}, kwargs=pk("referral")),
    "api-referral-transitions": rule(
        API_POST_ONLY,
        kwargs=pk("referral"),
        refuse=refusal(
            {ANON: 401, (COUNSELLOR_B, REFERENT_Y, STEERING, STAFF): 404},
            data=lambda w: {"action": "acknowledge"},
        ),
    ),
    "api-referral-events": rule({ANON: 401, (*ML_A, *CNAM_X): 200, OTHERS: 404}, kwargs=pk("referral")),
    "api-stats": rule({ANON: 401, DASHBOARD_READERS: 200, OTHERS: 403}),
    "api-schema": rule(PUBLIC),
    "api-docs": rule(PUBLIC),
    # Anything else under /api/v1/ is a problem+json 404, never the login page.
    "api/v1/^[\\s\\S]*$": rule({EVERYONE: 404}, path="/api/v1/nulle-part/"),
    # -- Admin: the site's own pages (model pages: see admin_rule) ------------------------------
    "admin:index": rule(staff_only(200)),
    # Signed in: the admin login page says the account has no access to the admin; staff go on.
    "admin:login": rule({STAFF: Redirect("admin:index"), OTHERS: 200}),
    # Logging out is a POST; anyone else signed in is sent to the admin index (then to its login).
    "admin:logout": rule({ANON: ADMIN_LOGIN, STAFF: 405, OTHERS: Redirect("admin:index")}),
    "admin:password_change": rule(staff_only(200)),
    "admin:password_change_done": rule(staff_only(200)),
    "admin:auth_user_password_change": rule(
        staff_only(200, anonymous=LOGIN), kwargs=lambda w: {"id": str(w.users[COUNSELLOR_A].pk)}
    ),
    # Without its parameters the autocomplete refuses to answer anybody.
    "admin:autocomplete": rule(staff_only(403)),
    "admin:jsi18n": rule(staff_only(200)),
    # "View on site" of a mission locale: organisations have no public page.
    "admin:view_on_site": rule(
        staff_only(404),
        kwargs=lambda w: {"content_type_id": str(w.ml_content_type.pk), "object_id": str(w.ml_a.pk)},
    ),
    # A person's TOTP secret (as text, as a QR code) stays with them: not even staff see it.
    "admin:otp_totp_totpdevice_config": rule(
        staff_only(403, anonymous=LOGIN), kwargs=lambda w: {"pk": w.any_row(TOTPDevice)}
    ),
    "admin:otp_totp_totpdevice_qrcode": rule(
        staff_only(403, anonymous=LOGIN), kwargs=lambda w: {"pk": w.any_row(TOTPDevice)}
    ),
    "admin:app_list": rule(staff_only(200), kwargs=lambda w: {"app_label": "referrals"}),
    "admin/(?P<url>.*)$": rule(staff_only(404), path="/admin/nulle-part/"),
}

# (route key, role) → why that role's answer differs from the table: a hole found and not yet
# fixed. Each becomes its own test, marked xfail(strict=True). Empty: no known hole.
KNOWN_BUGS: dict[tuple[str, str], str] = {}

# Admin pages that staff cannot open either: these models are read-only in the admin (imported
# referentials, audit trails, records that only the application writes, tokens created elsewhere).
ADMIN_EXCEPTIONS: dict[str, int] = {
    "admin:territories_commune_add": 403,
    "admin:territories_commune_delete": 403,
    "admin:network_organisation_add": 403,
    "admin:network_organisation_delete": 403,
    "admin:referrals_referral_add": 403,
    "admin:referrals_referral_delete": 403,
    "admin:referrals_outboxemail_add": 403,
    "admin:referrals_outboxemail_delete": 403,
    "admin:stats_refresh_add": 403,
    "admin:api_apitoken_add": 403,
    "admin:api_webhook_add": 403,
    "admin:api_webhookdelivery_add": 403,
    "admin:axes_accessattempt_add": 403,
    "admin:axes_accesslog_add": 403,
    "admin:axes_accessfailurelog_add": 403,
}

ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")
ADMIN_OBJECT_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _admin_model_view(key: str):
    """``(model, view)`` when ``key`` names a standard admin page of a registered model."""
    for model in admin.site._registry:
        for view in ADMIN_MODEL_VIEWS:
            if key == f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}":
                return model, view
    return None, None


def _admin_model(app_label: str, model_name: str):
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            return model
    return None


def _object_id(model):
    return lambda world: {"object_id": str(world.any_row(model) or 0)}


def admin_rule(key: str) -> Rule | None:
    """The rule of an admin page of a registered model, from its kind; None for anything else."""
    model, view = _admin_model_view(key)
    if view in ("changelist", "add"):
        return rule({STAFF: ADMIN_EXCEPTIONS.get(key, 200), ANON: LOGIN, OTHERS: ADMIN_LOGIN})
    if view is not None:

        def answers(world):
            # A model without any row: the admin says so on its index page.
            staff = ADMIN_EXCEPTIONS.get(key, 200) if world.any_row(model) else Redirect("admin:index")
            return expect(staff_only(staff, anonymous=LOGIN))

        return Rule(answers, kwargs=_object_id(model))
    if (match := ADMIN_OBJECT_REDIRECT.match(key)) and (model := _admin_model(match["app"], match["model"])):
        # The old "/admin/app/model/ID/" address redirects to the change page.
        return Rule(expect(staff_only(302, anonymous=LOGIN)), kwargs=_object_id(model))
    return None


class MissingRule(LookupError):
    pass


def rule_for(route) -> Rule:
    """The route's rule; MissingRule names the route when there is none."""
    found = RULES.get(route.key) or (admin_rule(route.key) if route.pattern.startswith("admin/") else None)
    if found is None:
        raise MissingRule(
            f"No access rule for the route {route.key!r} ({route.pattern}): add one to RULES in "
            "tests/security/rules.py saying what each role gets."
        )
    return found
