from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation

from tremplin.accounts.enums import ROLES_BY_ORGANISATION_KIND, Role
from tremplin.accounts.models import Membership, User
from tremplin.network.models import Organisation


@dataclass
class UserResult:
    user: User
    user_created: bool
    membership: Membership | None
    membership_created: bool

    @property
    def has_usable_password(self) -> bool:
        return self.user.has_usable_password()


@transaction.atomic
def user_create_or_update(
    *,
    email: str,
    organisation_code: str | None,
    role: str | None,
    password: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
) -> UserResult:
    """Create the user with this email, or update it, and make it an active member of the organisation.

    ``None`` leaves a field as it is (a new user is not staff). Without a password a new user gets an
    unusable one and sets theirs through "mot de passe oublié"; an existing user keeps theirs.
    ``organisation_code`` and ``role`` go together; both ``None`` (a platform operator) adds no
    membership. Raises ValidationError with French messages; nothing is written then.
    """
    with translation.override("fr"):
        email = _valid_email(email)
        organisation = _organisation_and_role(organisation_code, role)
        user = User.objects.filter(email__iexact=email).first()
        user_created = user is None
        if user_created:
            user = User(email=email)
        for name, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("is_staff", is_staff),
            ("is_superuser", is_superuser),
        ):
            if value is not None:
                setattr(user, name, value)
        if password is not None:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": [str(message) for message in exc.messages]}) from None
            user.set_password(password)
        elif user_created:
            user.set_unusable_password()
        user.save()

        membership, membership_created = None, False
        if organisation is not None:
            membership, membership_created = Membership.objects.get_or_create(
                user=user, organisation=organisation, defaults={"role": role, "is_active": True}
            )
            if not membership_created and (membership.role != role or not membership.is_active):
                membership.role, membership.is_active = role, True
                membership.save(update_fields=["role", "is_active"])
    return UserResult(user, user_created, membership, membership_created)


def _valid_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"« {email} » n'est pas une adresse électronique valide."}) from None
    return email


def _organisation_and_role(code: str | None, role: str | None) -> Organisation | None:
    if code is None and role is None:
        return None
    if not code or not role:
        raise ValidationError("Indiquez à la fois l'organisation et le rôle.")
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise ValidationError({"organisation": f"Aucune organisation n'a le code « {code} »."})
    allowed = ROLES_BY_ORGANISATION_KIND.get(organisation.kind, set())
    if role not in allowed:
        known = f"« {Role(role).label} »" if role in Role.values else f"« {role} » (rôle inconnu)"
        possible = ", ".join(f"{r.value} ({r.label})" for r in Role if r in allowed)
        raise ValidationError(
            {
                "role": f"Le rôle {known} n'est pas possible pour {organisation.name} "
                f"({organisation.get_kind_display().lower()}). Rôles possibles : {possible}."
            }
        )
    return organisation
