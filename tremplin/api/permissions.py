"""Who may call what. Objects outside the caller's scope are not a permission matter: the scoped
querysets make them 404, as on the pages."""

from rest_framework import permissions

from tremplin.accounts.enums import CNAM_ROLES, ML_ROLES
from tremplin.api.clients import membership_of
from tremplin.api.models import ApiToken


class Authenticated(permissions.BasePermission):
    """Any token or signed-in person; a token needs the write scope for POST, PATCH, PUT and DELETE,
    unless the view only computes (``writes = False``)."""

    message = "Authentification requise : envoyez un jeton dans l'en-tête « Authorization: Bearer … »."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and request.method not in permissions.SAFE_METHODS:
            if getattr(view, "writes", True) and not request.auth.can_write:
                self.message = "Ce jeton est en lecture seule : il faut un jeton avec le droit d'écriture."
                return False
        return True


class Public(permissions.BasePermission):
    """Open data: anyone, signed in or not (an invalid token is still refused, with 401)."""

    def has_permission(self, request, view):
        return True


class _RolePermission(Authenticated):
    roles: frozenset = frozenset()
    refusal = ""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        membership = membership_of(request)
        if membership is None or membership.role not in self.roles:
            self.message = self.refusal
            return False
        return True


class MissionLocaleOnly(_RolePermission):
    roles = frozenset(ML_ROLES)
    refusal = "Réservé aux missions locales (jeton d'une mission locale, ou conseiller·ère connecté·e)."


class ReferralSides(_RolePermission):
    roles = frozenset(ML_ROLES | CNAM_ROLES)
    refusal = "Réservé aux missions locales et aux centres du Cnam."
