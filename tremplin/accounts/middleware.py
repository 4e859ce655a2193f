import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from tremplin.accounts import second_factor
from tremplin.accounts.models import Membership

SESSION_KEY = "current_membership_id"
# Seconds since the epoch of the login and of the last request seen (see SessionExpiryMiddleware).
LOGIN_AT_KEY = "login_at"
SEEN_AT_KEY = "seen_at"
# Writing the session on every request would make every read a write: once a minute is precise enough.
SEEN_AT_PRECISION = 60


class CurrentMembershipMiddleware:
    """Attach ``request.membership``: the membership the user acts through, chosen in the session.

    It falls back to the user's first active membership, so a user with one organisation never has
    to choose.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            memberships = (
                Membership.objects.active()
                .filter(user=request.user)
                .select_related("organisation")
                .order_by("pk")
            )
            chosen = request.session.get(SESSION_KEY)
            membership = (memberships.filter(pk=chosen).first() if chosen else None) or memberships.first()
            request.membership = membership
        return self.get_response(request)


def start_session_clock(session) -> None:
    now = int(time.time())
    session[LOGIN_AT_KEY] = now
    session[SEEN_AT_KEY] = now


class SessionExpiryMiddleware:
    """Sign out a session SESSION_COOKIE_AGE seconds after its login, or after SESSION_IDLE_TIMEOUT
    seconds without a request, whichever comes first; the login page then says why.

    Django alone offers one of the two: a fixed lifetime, or (SESSION_SAVE_EVERY_REQUEST) a sliding one
    that never ends while the person keeps clicking. Two timestamps in the session give both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request):
        session, now = request.session, int(time.time())
        login_at, seen_at = session.get(LOGIN_AT_KEY), session.get(SEEN_AT_KEY)
        if login_at is None or seen_at is None:  # a session opened before these timestamps existed
            start_session_clock(session)
            return
        if now - login_at > settings.SESSION_COOKIE_AGE or now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(request, "Votre session a expiré : reconnectez-vous pour continuer.")
            return
        if now - seen_at >= SEEN_AT_PRECISION:
            session[SEEN_AT_KEY] = now


class SecondFactorRequiredMiddleware:
    """Until the signed-in person has entered a code from their authentication app (when one is due),
    every page sends them to the code page, the Django admin included.

    Views marked ``second_factor_exempt`` (the code pages, logout) stay reachable. The REST API's
    views are left to the API, whose session authentication refuses such a session itself (see
    tremplin.accounts.api_authentication), so a token call is never redirected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "second_factor_exempt", False) or _is_api_view(view_func):
            return None
        if not second_factor.pending(request):
            return None
        return redirect_to_login(request.get_full_path(), reverse("accounts:second_factor_verify"))


def _is_api_view(view_func) -> bool:
    from rest_framework.views import APIView

    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)
