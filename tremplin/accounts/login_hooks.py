"""What a new login writes in its session: its clock (SessionExpiryMiddleware) and the second
factor it owes. Connected to ``user_logged_in`` so that every way in — the login form, the admin's,
ProConnect, and ``force_login`` in tests — starts the same way."""

from tremplin.accounts import second_factor
from tremplin.accounts.middleware import start_session_clock


def session_start(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    start_session_clock(request.session)
    request.session[second_factor.SESSION_KEY] = second_factor.due_at_login(user)
