"""Login throttling: django-axes in front of the password check."""

from axes.backends import AxesStandaloneBackend


def attempted_email(request, credentials) -> str | None:
    """The account an attempt targets, as axes counts it: "Camille@…" and "camille@…" are one account,
    so changing the case of the address does not earn fresh attempts."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    return username.strip().lower() if username else None


class LockoutBackend(AxesStandaloneBackend):
    """Refuses any login attempt on an account locked out by too many failures.

    Every login form (ours, the admin's) passes the request, so every one of them is throttled.
    A call to ``authenticate()`` without a request, such as the test client's
    ``client.login(username=…, password=…)``, has no client address to count against: it is let
    through to the password check instead of failing, and is neither counted nor throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
