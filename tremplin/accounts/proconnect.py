"""ProConnect, the State's login for public agents (OpenID Connect, mozilla-django-oidc).

Offered only when every OIDC_* setting is given (TREMPLIN_PROCONNECT_ENABLED); otherwise its pages
answer 404 and its backend authenticates no one. ProConnect proves who the person is; Tremplin
still decides what they may do: the address must be that of an existing active account, never a new
one, and the second factor rules apply after it as after a password."""

import logging
import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

UNKNOWN_ACCOUNT_MESSAGE = (
    "Aucun compte Tremplin actif n'existe pour l'adresse {email} transmise par ProConnect. "
    "Demandez à l'administrateur·rice de Tremplin de votre structure de vous créer un compte à cette "
    "adresse, puis reconnectez-vous."
)
FAILURE_MESSAGE = (
    "La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous avec votre adresse "
    "électronique et votre mot de passe."
)
ID_TOKEN_SESSION_KEY = "oidc_id_token"


def enabled() -> bool:
    return settings.TREMPLIN_PROCONNECT_ENABLED


class ProConnectBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        if enabled():  # the parent reads (and requires) every OIDC_* setting
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password login never reaches ProConnect.
        if not enabled() or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        users = self.UserModel.objects.filter(email__iexact=email, is_active=True) if email else None
        if not users:
            self.request.proconnect_unknown_email = email
            return self.UserModel.objects.none()
        return users

    def describe_user_by_claims(self, claims):
        return "the address given by ProConnect"  # logged: never the address itself

    def create_user(self, claims):
        raise SuspiciousOperation("ProConnect never creates accounts")


def _only_when_enabled(view):
    def wrapped(request, *args, **kwargs):
        if not enabled():
            raise Http404("ProConnect n'est pas configuré.")
        return view(request, *args, **kwargs)

    wrapped.second_factor_exempt = True
    return login_not_required(wrapped)


class CallbackView(OIDCAuthenticationCallbackView):
    """ProConnect's answer. Every failure comes back to the login page with a French message; a forged
    or replayed answer (unknown state, wrong nonce or signature) is one of them."""

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            logger.warning(
                "ProConnect callback refused: %s", error
            )  # mozilla-django-oidc's messages name no one
        except requests.RequestException as error:
            logger.warning("ProConnect unreachable: %s", error.__class__.__name__)
        return self.login_failure()

    def login_failure(self):
        email = getattr(self.request, "proconnect_unknown_email", None)
        if email is not None:
            messages.error(self.request, UNKNOWN_ACCOUNT_MESSAGE.format(email=email or "(aucune)"))
        else:
            messages.error(self.request, FAILURE_MESSAGE)
        return redirect(settings.LOGIN_REDIRECT_URL_FAILURE)


login_view = _only_when_enabled(OIDCAuthenticationRequestView.as_view())
callback_view = _only_when_enabled(CallbackView.as_view())


def logout_url(request, id_token: str) -> str:
    """ProConnect's end-of-session address: it signs the person out there too, then comes back home."""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(16),
            "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"
