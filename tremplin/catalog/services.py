"""Writes to the catalogue. Whatever changes sessions ends by calling :func:`catalog_changed`, which
the matching index watches (through :func:`catalog_version`) to know when to rebuild."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tremplin.catalog.enums import RegistrationState
from tremplin.catalog.models import CatalogVersion, SessionChange, TrainingSession
from tremplin.catalog.text import fold


def catalog_changed() -> int:
    """Move the catalogue version forward (inside the caller's transaction) and return it."""
    now = timezone.now()
    updated = CatalogVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now)
    if not updated:
        CatalogVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
    return catalog_version()


def catalog_version() -> int:
    """The current catalogue version: one primary-key read. 0 before any change."""
    return CatalogVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def training_search_text(
    *, title: str, certification_codes: str = "", rome_codes: str = "", extra: str = ""
) -> str:
    """The folded words a catalogue search matches: title, certification codes, ROME codes, and
    ``extra`` (the certification title, the objectives), cut so that the column stays small."""
    return fold(" ".join((title, certification_codes, rome_codes, extra[:600])))


# Fields a Cnam referent may change on a session, in the order the history shows them.
EDITABLE_SESSION_FIELDS = (
    "start_date",
    "end_date",
    "permanent_entry",
    "registration_state",
    "places_available",
)


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if value in RegistrationState.values:
        return RegistrationState(value).label
    return str(value)


@transaction.atomic
def session_update(*, session: TrainingSession, user, **changes) -> list[SessionChange]:
    """Apply a Cnam referent's edit to a session and record one history row per changed field.

    The row is locked first so that two people saving at the same moment both see their change in
    the history. Returns the history rows written (none when nothing changed)."""
    unknown = set(changes) - set(EDITABLE_SESSION_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    now = timezone.now()
    history = []
    for field in EDITABLE_SESSION_FIELDS:
        if field not in changes:
            continue
        old, new = getattr(locked, field), changes[field]
        if old == new:
            continue
        setattr(locked, field, new)
        history.append(
            SessionChange(
                session=locked,
                user=user,
                changed_at=now,
                field=field,
                old_value=_display(old),
                new_value=_display(new),
            )
        )
    if history:
        start, end = locked.start_date, locked.end_date
        if start and end and end < start:
            raise ValueError("end_date before start_date")
        locked.updated_at = now
        locked.save(update_fields=[*{change.field for change in history}, "updated_at"])
        SessionChange.objects.bulk_create(history)
        catalog_changed()
        for field in EDITABLE_SESSION_FIELDS:
            setattr(session, field, getattr(locked, field))
        session.updated_at = now
    return history
