"""The database side of the matching index: read the receivable sessions into SessionRecords, and
keep one index per process, rebuilt when the catalogue version or the day changes."""

from __future__ import annotations

import threading
from datetime import date

from django.utils import timezone

from tremplin.catalog.models import RomeDomain, RomeFiche, RomeGrandDomain, TrainingSession
from tremplin.catalog.services import catalog_version
from tremplin.matching.index import SessionIndex, SessionRecord

_FIELDS = (
    "pk",
    "action__training_id",
    "action__training__title",
    "action__training__objectives",
    "action__training__rome_codes",
    "action__training__entry_level",
    "action__training__entry_level_required",
    "action__training__min_age_without_level",
    "action__cnam_site__name",
    "action__commune_id",
    "action__latitude",
    "action__longitude",
    "action__commune__latitude",
    "action__commune__longitude",
    "action__cnam_site__commune_id",
    "action__cnam_site__commune__latitude",
    "action__cnam_site__commune__longitude",
    "action__teaching_mode",
    "start_date",
    "end_date",
    "permanent_entry",
    "places_available",
)


def rome_labels() -> dict[str, str]:
    """Labels of every ROME fiche, domaine and grand domaine, by code."""
    labels = dict(RomeGrandDomain.objects.values_list("code", "label"))
    labels.update(RomeDomain.objects.values_list("code", "label"))
    labels.update(RomeFiche.objects.values_list("code", "label"))
    return labels


def load_records(today: date, labels: dict[str, str]) -> list[SessionRecord]:
    records = []
    rows = (
        TrainingSession.objects.receivable(today).order_by().values_list(*_FIELDS).iterator(chunk_size=5000)
    )
    for row in rows:
        (
            session_id, training_id, title, objectives, rome, level, required, min_age, site_name,
            commune, lat, lon, commune_lat, commune_lon, site_commune, site_lat, site_lon,
            mode, start, end, permanent, places,
        ) = row  # fmt: skip
        codes = tuple(rome.split())
        # Place: the action's own point, else its commune's, else its Cnam site's commune.
        if lat is None or lon is None:
            lat, lon = (commune_lat, commune_lon) if commune_lat is not None else (site_lat, site_lon)
        records.append(
            SessionRecord(
                session_id=session_id,
                training_id=training_id,
                training_title=title,
                site_name=site_name or "",
                commune_insee=commune or site_commune or "",
                latitude=lat,
                longitude=lon,
                teaching_mode=mode,
                start_date=start,
                end_date=end,
                permanent_entry=permanent,
                places_available=places,
                entry_level=level,
                entry_level_required=required,
                min_age_without_level=min_age,
                rome_codes=codes,
                text=" ".join([objectives[:1000], *(labels.get(code, "") for code in codes)]),
            )
        )
    return records


class _Shared:
    lock = threading.Lock()
    index: SessionIndex | None = None
    labels: dict[str, str] = {}


def shared_index() -> tuple[SessionIndex, dict[str, str]]:
    """The process's index and the ROME labels; one cheap query to check that they are current."""
    key = (catalog_version(), timezone.localdate())
    if _Shared.index is None or _Shared.index.version != key:
        with _Shared.lock:
            if _Shared.index is None or _Shared.index.version != key:
                labels = rome_labels()
                _Shared.index = SessionIndex.build(load_records(key[1], labels), version=key)
                _Shared.labels = labels
    return _Shared.index, _Shared.labels


def forget_index() -> None:
    """Drop the process's index (tests change the catalogue without moving the version)."""
    with _Shared.lock:
        _Shared.index = None
