"""``Authorization: Bearer trp_…``: an organisation's API token."""

import datetime

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tremplin.api.models import TOKEN_PREFIX, ApiToken, hash_token

# Writing the last use on every request would make each read a write: once a minute is enough to
# tell a token in use from a forgotten one.
LAST_USE_PRECISION = datetime.timedelta(minutes=1)


class TokenUser:
    """``request.user`` of a token request: authenticated, but nobody in particular."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, token: ApiToken):
        self.token = token

    def __str__(self):
        return f"jeton « {self.token.name} » ({self.token.organisation})"


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization mal formé : attendu « Bearer » suivi du jeton, séparés par une espace."
            )
        raw = header[1]
        if not raw.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(
                f"Jeton inconnu : un jeton Tremplin commence par « {TOKEN_PREFIX} »."
            )
        token = ApiToken.objects.select_related("organisation").filter(key_hash=hash_token(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Jeton inconnu.")
        now = timezone.now()
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("Ce jeton a été révoqué.")
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                f"Ce jeton a expiré le {timezone.localtime(token.expires_at):%d/%m/%Y} : demandez-en un nouveau."
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return TokenUser(token), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tremplin.api.authentication.TokenAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Jeton de l'organisation, créé dans Tremplin par un·e responsable de mission locale ou "
                "un·e administrateur·rice régional·e du Cnam (page « Accès à l'API »), ou par l'équipe "
                "d'exploitation (`python manage.py create_api_token`). Il est affiché une seule fois. "
                "Exemple : `Authorization: Bearer trp_3q2…`. Un jeton « lecture » ne peut que lire ; "
                "un jeton « écriture » peut aussi créer et modifier."
            ),
        }
