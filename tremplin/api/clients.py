"""Who calls the API: a token acts as its organisation, a signed-in person as their current membership.

Both end up as a membership-like object, so that the same scoped querysets as the pages
(``YoungPerson.objects.visible_to(membership)``, ``Referral.objects.visible_to(membership)``…) decide
what the caller sees.
"""

from dataclasses import dataclass

from tremplin.accounts.enums import Role
from tremplin.network.enums import OrganisationKind
from tremplin.network.models import Organisation

# The role a token plays in its organisation: the widest one of that kind of organisation, as a
# system working for the whole organisation sees what every member of it may see.
ROLE_BY_KIND = {
    OrganisationKind.MISSION_LOCALE: Role.ML_MANAGER,
    OrganisationKind.CNAM_REGIONAL_CENTRE: Role.CNAM_REGIONAL,
    OrganisationKind.CNAM_SITE: Role.CNAM_REFERENT,
    OrganisationKind.STEERING_BODY: Role.STEERING,
}


@dataclass(frozen=True)
class TokenMembership:
    """Stands for a Membership when an API token acts: no user, the organisation's widest role."""

    organisation: Organisation
    role: str
    user = None
    user_id = None
    pk = None
    is_active = True

    @property
    def organisation_id(self) -> int:
        return self.organisation.pk

    def get_role_display(self) -> str:
        return Role(self.role).label

    @classmethod
    def of(cls, organisation: Organisation) -> "TokenMembership":
        return cls(organisation=organisation, role=ROLE_BY_KIND[OrganisationKind(organisation.kind)])


def acting(request):
    """``(user, membership)`` of an API request: ``user`` is None for a token."""
    from tremplin.api.models import ApiToken

    if isinstance(request.auth, ApiToken):
        return None, TokenMembership.of(request.auth.organisation)
    user = request.user if request.user and request.user.is_authenticated else None
    return user, getattr(request._request, "membership", None)


def membership_of(request):
    return acting(request)[1]
