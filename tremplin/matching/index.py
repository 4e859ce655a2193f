"""The in-memory columnar index of the sessions a young person could be referred to.

One row per session, stored as compact numpy arrays so that a ranking touches only the sessions
near the person plus the distance-learning ones:

- sessions taught in a place are sorted by a grid cell (``CELL_DEGREES`` of latitude/longitude);
  a query reads the few contiguous slices of cells that cover its search disc;
- distance-learning sessions form a separate block that every query scans (they reach anyone);
- ROME codes are small integers (fiche, domaine, grand domaine) in fixed-width columns, so an
  interest test is a table lookup, not a string comparison;
- dates are days since 1970-01-01 in int32.

The index is built from plain :class:`SessionRecord` values (see ``loader.py`` for the database
side), which keeps the ranking a pure function that tests can feed by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import numpy as np

CELL_DEGREES = 0.1
MAX_ROME_PER_SESSION = 4
EPOCH = date(1970, 1, 1)

MODE_ON_SITE, MODE_BLENDED, MODE_DISTANCE = 0, 1, 2
MODE_CODES = {"on_site": MODE_ON_SITE, "blended": MODE_BLENDED, "distance": MODE_DISTANCE}
MODE_NAMES = {v: k for k, v in MODE_CODES.items()}

_WORD = re.compile(r"[a-z0-9]+")
# Words too common in training descriptions to say anything about an interest.
STOP_WORDS = frozenset(
    "a au aux avec dans de des du en et la le les l d un une pour par sur ou son sa ses leur leurs "
    "formation formations niveau certificat titre diplome professionnel professionnelle metier metiers "
    "cnam session sessions cours module modules".split()
)


def domain_words(count: int) -> int:
    """uint64 words needed for a bit set of ``count`` ROME domaines (110 in ROME v4: 2)."""
    return max(1, -(-count // 64))


def day_number(value: date | None) -> int:
    return (value - EPOCH).days if value else 0


def words_of(text: str) -> set[str]:
    """Lower-case, accent-free words of at least three letters, stop words removed."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return {w for w in _WORD.findall(folded) if len(w) >= 3 and w not in STOP_WORDS}


class SessionRecord(NamedTuple):
    """What the index keeps of one session (a tuple: hundreds of thousands are built at once)."""

    session_id: int
    training_id: int
    training_title: str
    site_name: str
    commune_insee: str
    latitude: float | None
    longitude: float | None
    teaching_mode: str  # "on_site" | "blended" | "distance"
    start_date: date | None
    end_date: date | None = None
    permanent_entry: bool = False
    places_available: int | None = None  # None: unknown
    entry_level: int | None = None  # QualificationLevel (2 = infra 3 … 8); None: no requirement
    entry_level_required: bool = False
    min_age_without_level: int | None = None  # e.g. 20 for the Cnam's VAPP
    rome_codes: tuple[str, ...] = ()
    text: str = ""  # title, objectives, ROME labels: searched by the free-text interest


@dataclass
class Block:
    """Columns of one group of sessions (all arrays have the same length)."""

    session_id: np.ndarray  # int64
    training: np.ndarray  # int32, index into SessionIndex.training_ids
    lat: np.ndarray  # float32, degrees (nan for distance learning)
    lon: np.ndarray  # float32
    mode: np.ndarray  # int8
    start: np.ndarray  # int32 days
    permanent: np.ndarray  # bool
    places: np.ndarray  # int16, -1 unknown
    level: np.ndarray  # int8, 0 = no requirement
    level_required: np.ndarray  # bool
    required_level: np.ndarray  # int8: the entry level where it is required, else 0
    full: np.ndarray  # bool: no place left
    min_age_without_level: np.ndarray  # int8, 0 = none
    fiche: np.ndarray  # int16 (MAX_ROME_PER_SESSION, n), -1 = none
    domain: np.ndarray  # int16 (MAX_ROME_PER_SESSION, n)
    grand_domains: np.ndarray  # uint16 bit set of the session's ROME grand domaines
    domains: np.ndarray  # uint64 (DOMAIN_WORDS, n): bit set of the session's ROME domaines
    row: np.ndarray  # int32, index into SessionIndex.records

    def __len__(self):
        return len(self.session_id)

    def take(self, positions: np.ndarray) -> Block:
        values = {}
        for name in self.__dataclass_fields__:
            column = getattr(self, name)
            values[name] = column[:, positions] if column.ndim == 2 else column[positions]
        return Block(**values)


@dataclass
class SessionIndex:
    records: list[SessionRecord]
    local: Block  # sessions in a place, sorted by grid cell
    cell_keys: np.ndarray  # int64, sorted, one per local session
    remote: Block  # distance learning
    training_ids: np.ndarray
    fiche_codes: list[str]
    fiche_index: dict[str, int]
    domain_index: dict[str, int]
    grand_domain_index: dict[str, int]
    words_to_trainings: dict[str, np.ndarray]
    version: object = None
    nbytes: int = field(default=0)

    @property
    def size(self) -> int:
        return len(self.local) + len(self.remote)

    @classmethod
    def build(cls, records: list[SessionRecord], *, version: object = None) -> SessionIndex:
        records = list(records)
        fiche_codes = sorted({code for r in records for code in r.rome_codes})
        fiche_index = {code: i for i, code in enumerate(fiche_codes)}
        domain_index = {code: i for i, code in enumerate(sorted({c[:3] for c in fiche_codes}))}
        grand_domain_index = {code: i for i, code in enumerate(sorted({c[:1] for c in fiche_codes}))}

        training_ids = np.array(sorted({r.training_id for r in records}), dtype=np.int64)
        training_pos = {tid: i for i, tid in enumerate(training_ids.tolist())}
        words = defaultdict(set)
        seen_training = set()
        for r in records:
            if r.training_id in seen_training:
                continue
            seen_training.add(r.training_id)
            for word in words_of(f"{r.training_title} {r.text}"):
                words[word].add(training_pos[r.training_id])
        words_to_trainings = {w: np.array(sorted(ts), dtype=np.int32) for w, ts in words.items()}

        n = len(records)
        fiche = np.full((MAX_ROME_PER_SESSION, n), -1, dtype=np.int16)
        domain = np.full((MAX_ROME_PER_SESSION, n), -1, dtype=np.int16)
        grand = np.zeros(n, dtype=np.uint16)
        domain_bits = np.zeros((domain_words(len(domain_index)), n), dtype=np.uint64)
        for i, r in enumerate(records):
            for j, code in enumerate(r.rome_codes[:MAX_ROME_PER_SESSION]):
                fiche[j, i] = fiche_index[code]
                d = domain_index[code[:3]]
                domain[j, i] = d
                domain_bits[d // 64, i] |= np.uint64(1 << (d % 64))
                grand[i] |= 1 << grand_domain_index[code[:1]]

        def column(getter, dtype):
            return np.fromiter((getter(r) for r in records), dtype=dtype, count=n)

        everything = Block(
            session_id=column(lambda r: r.session_id, np.int64),
            training=column(lambda r: training_pos[r.training_id], np.int32),
            lat=column(lambda r: np.nan if r.latitude is None else r.latitude, np.float32),
            lon=column(lambda r: np.nan if r.longitude is None else r.longitude, np.float32),
            mode=column(lambda r: MODE_CODES[r.teaching_mode], np.int8),
            start=column(lambda r: day_number(r.start_date), np.int32),
            permanent=column(lambda r: r.permanent_entry, bool),
            places=column(
                lambda r: -1 if r.places_available is None else min(r.places_available, 32767), np.int16
            ),
            level=column(lambda r: r.entry_level or 0, np.int8),
            level_required=column(lambda r: r.entry_level_required, bool),
            required_level=np.zeros(n, dtype=np.int8),
            full=np.zeros(n, dtype=bool),
            min_age_without_level=column(lambda r: r.min_age_without_level or 0, np.int8),
            fiche=fiche,
            domain=domain,
            grand_domains=grand,
            domains=domain_bits,
            row=np.arange(n, dtype=np.int32),
        )
        everything.required_level[:] = np.where(everything.level_required, everything.level, 0)
        everything.full[:] = everything.places == 0
        is_remote = (everything.mode == MODE_DISTANCE) | np.isnan(everything.lat)
        local = everything.take(np.flatnonzero(~is_remote))
        keys = cell_key(local.lat, local.lon)
        order = np.argsort(keys, kind="stable")
        local = local.take(order)
        index = cls(
            records=records,
            local=local,
            cell_keys=keys[order],
            remote=everything.take(np.flatnonzero(is_remote)),
            training_ids=training_ids,
            fiche_codes=fiche_codes,
            fiche_index=fiche_index,
            domain_index=domain_index,
            grand_domain_index=grand_domain_index,
            words_to_trainings=words_to_trainings,
            version=version,
        )
        index.nbytes = (
            sum(
                getattr(block, name).nbytes
                for block in (index.local, index.remote)
                for name in Block.__dataclass_fields__
            )
            + index.cell_keys.nbytes
            + sum(a.nbytes for a in words_to_trainings.values())
        )
        return index

    def local_candidates(self, lat: float, lon: float, radius_km: float) -> np.ndarray:
        """Positions in ``self.local`` of the sessions in the grid cells that cover the disc."""
        if not len(self.local):
            return np.empty(0, dtype=np.int64)
        dlat = radius_km / 110.57
        coslat = max(np.cos(np.radians(lat)), 0.01)
        dlon = min(radius_km / (111.32 * coslat), 180.0)
        row_min, row_max = _row(lat - dlat), _row(lat + dlat)
        col_min, col_max = _column(lon - dlon), _column(lon + dlon)
        slices = []
        for row in range(row_min, row_max + 1):
            lo = np.searchsorted(self.cell_keys, row * _COLUMNS + col_min, side="left")
            hi = np.searchsorted(self.cell_keys, row * _COLUMNS + col_max, side="right")
            if hi > lo:
                slices.append(np.arange(lo, hi))
        return np.concatenate(slices) if slices else np.empty(0, dtype=np.int64)


_COLUMNS = int(round(360 / CELL_DEGREES)) + 1


def _row(lat: float) -> int:
    return int(np.floor((lat + 90.0) / CELL_DEGREES))


def _column(lon: float) -> int:
    # Clamped: a search disc never wraps around the antimeridian (no French territory needs it).
    return min(max(int(np.floor((lon + 180.0) / CELL_DEGREES)), 0), _COLUMNS - 1)


def cell_key(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    rows = np.floor((lat.astype(np.float64) + 90.0) / CELL_DEGREES).astype(np.int64)
    cols = np.floor((lon.astype(np.float64) + 180.0) / CELL_DEGREES).astype(np.int64)
    return rows * _COLUMNS + cols
