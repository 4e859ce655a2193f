"""Writes to young people's records. Forms check what a person typed; these functions keep the
rules that must hold whoever calls them (an accessibility note needs its consent; consent is recorded
with who and when)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.catalog.models import RomeFiche
from tremplin.network.models import MissionLocale
from tremplin.territories.models import Commune
from tremplin.youth.enums import AccessAction, Programme
from tremplin.youth.models import DEFAULT_MAX_TRAVEL_KM, YoungPerson, YoungPersonAccess

DEFAULT_CONSENT_PURPOSE = "Transmettre ces informations au Cnam pour une orientation vers l'une de ses formations, et suivre cette orientation."

# Fields young_person_update may change directly (interests and consent have their own handling).
EDITABLE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "birth_date",
        "email",
        "phone",
        "home_commune",
        "education_level",
        "has_bac",
        "interests_text",
        "max_travel_km",
        "distance_learning_ok",
        "preferred_start",
        "programme",
        "accessibility_consent",
        "accessibility_note",
        "counsellor",
    }
)


@transaction.atomic
def young_person_create(
    *,
    mission_locale: MissionLocale,
    created_by: User,
    first_name: str,
    last_name: str,
    birth_date: datetime.date,
    home_commune: Commune,
    education_level: int,
    has_bac: bool,
    counsellor: User | None = None,
    email: str = "",
    phone: str = "",
    interests: Iterable[RomeFiche] = (),
    interests_text: str = "",
    max_travel_km: int = DEFAULT_MAX_TRAVEL_KM,
    distance_learning_ok: bool = False,
    preferred_start: datetime.date | None = None,
    programme: str = Programme.NONE,
    accessibility_consent: bool = False,
    accessibility_note: str = "",
    consent: bool = False,
    consent_purpose: str = DEFAULT_CONSENT_PURPOSE,
) -> YoungPerson:
    """Register a young person in ``mission_locale``; followed by ``counsellor`` (default: the creator).
    ``consent`` true records the consent to share with the Cnam now, by ``created_by``."""
    _check_accessibility(accessibility_consent, accessibility_note)
    person = YoungPerson(
        mission_locale=mission_locale,
        created_by=created_by,
        counsellor=counsellor or created_by,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        email=email,
        phone=phone,
        home_commune=home_commune,
        education_level=education_level,
        has_bac=has_bac,
        interests_text=interests_text,
        max_travel_km=max_travel_km,
        distance_learning_ok=distance_learning_ok,
        preferred_start=preferred_start,
        programme=programme,
        accessibility_consent=accessibility_consent,
        accessibility_note=accessibility_note if accessibility_consent else "",
    )
    if consent:
        _record_consent(person, user=created_by, purpose=consent_purpose)
    person.save()
    person.interests.set(list(interests))
    return person


@transaction.atomic
def young_person_update(
    *,
    young_person: YoungPerson,
    user: User,
    interests: Iterable[RomeFiche] | None = None,
    consent: bool | None = None,
    consent_purpose: str | None = None,
    **changes,
) -> YoungPerson:
    """Change a record. ``consent``: ``True`` records it (again, if its purpose changed), ``False``
    withdraws it, ``None`` leaves it as it is. Returns the saved record."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    # Lock the row so that two counsellors saving at once do not lose each other's consent change.
    person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    for name, value in changes.items():
        setattr(person, name, value.strip() if name in ("first_name", "last_name") else value)
    if not person.accessibility_consent:
        person.accessibility_note = ""
    _check_accessibility(person.accessibility_consent, person.accessibility_note)
    if consent is True:
        purpose = consent_purpose or person.consent_purpose or DEFAULT_CONSENT_PURPOSE
        if not person.has_consent or purpose != person.consent_purpose:
            _record_consent(person, user=user, purpose=purpose)
    elif consent is False and person.has_consent:
        person.consent_given_at = None
        person.consent_recorded_by = None
        person.consent_purpose = ""
    person.save()
    if interests is not None:
        person.interests.set(list(interests))
    return person


@transaction.atomic
def young_person_archive(*, young_person: YoungPerson, user: User) -> YoungPerson:
    """Archive a record: it leaves the default list; nothing is deleted."""
    person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    if person.archived_at is None:
        person.archived_at = timezone.now()
        person.save(update_fields=["archived_at", "updated_at"])
    return person


@transaction.atomic
def young_person_restore(*, young_person: YoungPerson, user: User) -> YoungPerson:
    """Bring an archived record back to the list."""
    person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    if person.archived_at is not None:
        person.archived_at = None
        person.save(update_fields=["archived_at", "updated_at"])
    return person


def young_person_access_log(*, young_person: YoungPerson, user: User, organisation, action: str) -> None:
    """Log that ``user`` read the record (DESIGN §5)."""
    YoungPersonAccess.objects.create(
        young_person=young_person, user=user, organisation=organisation, action=AccessAction(action)
    )


def _record_consent(person: YoungPerson, *, user: User, purpose: str) -> None:
    person.consent_given_at = timezone.now()
    person.consent_recorded_by = user
    person.consent_purpose = purpose.strip() or DEFAULT_CONSENT_PURPOSE


def _check_accessibility(consent: bool, note: str) -> None:
    if note.strip() and not consent:
        raise ValidationError(
            {
                "accessibility_note": "Une note sur les besoins d'aménagement demande l'accord explicite de la personne."
            }
        )
