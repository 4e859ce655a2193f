"""Ranking of sessions for one young person: a pure function of the index, the profile and the day.

Hard filters (a session failing one is a *near miss*, shown with what blocks it):
- ``too_far``: taught in a place farther than the person's travel radius (distance-learning
  sessions reach anyone who accepts distance learning, whatever the distance);
- ``level_required``: the entry level is required and above the person's, with no other route;
- ``age``: the route without the level (the Cnam's VAPP) exists but needs an older person;
- ``starts_too_late``: starts after the horizon (the preferred start + ``LATE_AFTER_DAYS``, or
  ``HORIZON_DAYS`` from today);
- ``full``: no place left.
Sessions already started without permanent entry are not proposed at all.

The score (0–100) is a weighted sum of fits in [0, 1], weights in ``WEIGHTS``:
- interest: same ROME fiche 1.0 > same domaine 0.6 > same grand domaine 0.35 > a word of the free
  text in the training's title, objectives or ROME labels 0.45 (the best one counts); with no
  interest given every session gets 0.5;
- distance: exp(-km / decay) with decay = max(10 km, radius / 2); distance learning 0.55, or 1.0
  when no session is taught within the radius (then distance learning comes first);
- level: the entry level equals the person's 1.0, one below 0.85, lower 0.6, no requirement 0.75,
  above but open through the age route 0.6;
- start: permanent entry 1.0; else 1.0 within 60 days of the wished start, falling linearly to 0.2
  at 300 days;
- places: known and left 1.0, unknown 0.7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import numpy as np

from tremplin.matching.index import (
    MODE_NAMES,
    Block,
    SessionIndex,
    SessionRecord,
    day_number,
    domain_words,
    words_of,
)

WEIGHTS = {"interest": 40.0, "distance": 25.0, "level": 15.0, "start": 12.0, "places": 8.0}
HORIZON_DAYS = 365
LATE_AFTER_DAYS = 120
# A session taught up to max(5 km, 20 % of the radius) beyond the radius is a "too far" near miss.
NEAR_MISS_MIN_EXTRA_KM = 5.0
NEAR_MISS_EXTRA_SHARE = 0.2

LEVEL_LABELS = {
    2: "infra 3 (sans diplôme)",
    3: "niveau 3 (CAP, BEP)",
    4: "niveau 4 (baccalauréat)",
    5: "niveau 5 (bac+2)",
    6: "niveau 6 (licence)",
    7: "niveau 7 (master)",
    8: "niveau 8 (doctorat)",
}


@dataclass(frozen=True)
class Profile:
    latitude: float
    longitude: float
    level: int = 2  # QualificationLevel of the highest diploma (2 = infra 3)
    has_bac: bool = False
    rome_codes: tuple[str, ...] = ()
    text: str = ""
    radius_km: float = 30.0
    distance_learning: bool = True
    preferred_start: date | None = None
    age: int | None = None


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen on the page; ``None`` means no narrowing."""

    modes: frozenset[str] | None = None
    levels: frozenset[int] | None = None
    start_before: date | None = None


class Reason(NamedTuple):
    code: str  # machine-readable, e.g. "rome_exact", "too_far"
    label: str  # the French sentence shown to people


@dataclass
class Match:
    record: SessionRecord
    score: float
    distance_km: float | None
    reasons: list[Reason] = field(default_factory=list)
    blockers: list[Reason] = field(default_factory=list)

    @property
    def session_id(self) -> int:
        return self.record.session_id

    def as_dict(self) -> dict:
        r = self.record
        return {
            "session_id": r.session_id,
            "training_title": r.training_title,
            "site_name": r.site_name,
            "commune_insee": r.commune_insee,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "teaching_mode": r.teaching_mode,
            "start_date": r.start_date.isoformat() if r.start_date else None,
            "score": round(self.score, 1),
            "reasons": [x.code for x in self.reasons],
            "labels": [x.label for x in self.reasons],
            "blockers": [x.code for x in self.blockers],
            "blocker_labels": [x.label for x in self.blockers],
        }


@dataclass
class Ranking:
    results: list[Match]
    near_misses: list[Match]
    near_count: int  # eligible sessions taught within the radius
    remote_count: int  # eligible distance-learning sessions
    distance_first: bool
    radius_km: float

    @property
    def summary(self) -> str:
        """E.g. "14 sessions à moins de 30 km, 6 à distance"."""
        plural = "s" if self.near_count > 1 else ""
        return f"{self.near_count} session{plural} à moins de {self.radius_km:g} km, {self.remote_count} à distance"


class _Rows:
    """Some rows of a block, gathering each column once and only when asked.

    ``positions`` None means every row: columns are then the block's own arrays, not copies."""

    def __init__(self, block: Block, positions: np.ndarray | None):
        self.block, self.positions, self._cache = block, positions, {}
        self.size = len(block) if positions is None else len(positions)

    def __getattr__(self, name):
        cache = self.__dict__["_cache"]
        if name not in cache:
            column = getattr(self.block, name)
            if self.positions is not None:
                column = column[:, self.positions] if column.ndim == 2 else column[self.positions]
            cache[name] = column
        return cache[name]

    def __len__(self):
        return self.size

    def row(self, i: int) -> int:
        """The block position of the i-th row."""
        return i if self.positions is None else int(self.positions[i])


@dataclass
class _Scored:
    rows: _Rows
    distance: np.ndarray  # km, nan for distance learning
    shown: np.ndarray  # proposable at all (not started, within the page's filters)
    eligible: np.ndarray
    relevant: np.ndarray  # may be a near miss
    score: np.ndarray  # -inf where not scored
    ceiling: float  # the rows below it may not have been scored
    interest_code: np.ndarray  # bits: 8 same fiche, 4 same domaine, 2 free-text word, 1 same grand domaine


# Interest fit from the 4 hit bits above: the best hit counts.
_INTEREST_BY_CODE = np.array(
    [
        max([0.0] + [v for bit, v in ((8, 1.0), (4, 0.6), (2, 0.45), (1, 0.35)) if code & bit])
        for code in range(16)
    ],
    dtype=np.float32,
)


def rank(
    index: SessionIndex,
    profile: Profile,
    *,
    today: date,
    filters: Filters = Filters(),
    limit: int = 20,
    near_miss_limit: int = 10,
    labels: dict[str, str] | None = None,
) -> Ranking:
    """Rank the index's sessions for ``profile`` as of ``today``."""
    radius = max(float(profile.radius_km), 0.0)
    reach = radius + max(NEAR_MISS_MIN_EXTRA_KM, radius * NEAR_MISS_EXTRA_SHARE)
    positions = index.local_candidates(profile.latitude, profile.longitude, reach)
    distance = _distance_km(
        profile.latitude, profile.longitude, index.local.lat[positions], index.local.lon[positions]
    )
    within = distance <= reach
    query = _Query(index, profile, filters, day_number(today), radius, limit, near_miss_limit)
    scored_local = query.score(_Rows(index.local, positions[within]), distance[within])
    # Nobody near: distance learning first. Someone near: distance learning still shown, after.
    distance_first = profile.distance_learning and not scored_local.eligible.any()
    remote = _Rows(index.remote, None if profile.distance_learning else np.empty(0, dtype=np.int64))
    scored_remote = query.score(remote, None, distance_first=distance_first)

    results, near_misses = [], []
    for scored in (scored_local, scored_remote):
        results += _top(scored, scored.eligible, limit)
        near_misses += _top(scored, scored.relevant & ~scored.eligible, near_miss_limit)
    results.sort(key=lambda item: -item[1])
    near_misses.sort(key=lambda item: -item[1])
    describe = _Describer(index, query, labels or {}, today, distance_first)
    return Ranking(
        results=[describe(scored, i, score) for scored, score, i in results[:limit]],
        near_misses=[describe(scored, i, score) for scored, score, i in near_misses[:near_miss_limit]],
        near_count=int(np.count_nonzero(scored_local.eligible)),
        remote_count=int(np.count_nonzero(scored_remote.eligible)),
        distance_first=bool(distance_first),
        radius_km=radius,
    )


def _top(scored: _Scored, mask: np.ndarray, limit: int):
    """The ``limit`` best-scored rows of ``mask``, looking first among the rows above the ceiling."""
    candidates = np.flatnonzero(mask & (scored.score >= scored.ceiling))
    if len(candidates) < limit and scored.ceiling > -np.inf:
        candidates = np.flatnonzero(mask & (scored.score > -np.inf))
    if len(candidates) > limit:
        best = np.argpartition(-scored.score[candidates], limit - 1)[:limit]
        candidates = candidates[best]
    return [(scored, float(scored.score[i]), int(i)) for i in candidates]


def _distance_km(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular distance: within 0.5 % of the great circle at the few hundred km searched."""
    mid = np.radians((lat + np.float32(lat0)) / 2)
    dx = (lon - np.float32(lon0)) * np.cos(mid) * np.float32(111.32)
    dy = (lat - np.float32(lat0)) * np.float32(110.57)
    return np.sqrt(dx * dx + dy * dy)


class _Query:
    """What a query computes once, then applies to each block of sessions."""

    def __init__(self, index, profile, filters, today_day, radius, limit, near_miss_limit):
        self.index, self.profile, self.filters = index, profile, filters
        self.today_day, self.radius, self.limit, self.near_miss_limit = (
            today_day,
            radius,
            limit,
            near_miss_limit,
        )
        self.effective_level = profile.level if (profile.level < 4 or profile.has_bac) else 3
        wished = day_number(profile.preferred_start) if profile.preferred_start else today_day
        self.wished_day = max(wished, today_day)
        self.horizon_day = (
            self.wished_day + LATE_AFTER_DAYS if profile.preferred_start else today_day + HORIZON_DAYS
        )
        self.age = profile.age or 0
        codes = profile.rome_codes
        # One extra False slot at the end: a missing code (-1) reads it.
        self.fiche_mask = _mask(
            len(index.fiche_index), [index.fiche_index[c] for c in codes if c in index.fiche_index]
        )
        self.domain_bits = np.zeros(domain_words(len(index.domain_index)), dtype=np.uint64)
        for domain in {index.domain_index[c[:3]] for c in codes if c[:3] in index.domain_index}:
            self.domain_bits[domain // 64] |= np.uint64(1 << (domain % 64))
        self.grand_bits = np.uint16(
            sum(
                1 << index.grand_domain_index[g]
                for g in {c[:1] for c in codes}
                if g in index.grand_domain_index
            )
        )
        self.text_words = sorted(w for w in words_of(profile.text) if w in index.words_to_trainings)
        self.text_trainings = None
        if self.text_words:
            self.text_trainings = np.zeros(len(index.training_ids), dtype=bool)
            for word in self.text_words:
                self.text_trainings[index.words_to_trainings[word]] = True
        self.has_interest = bool(codes or profile.text.strip())
        self.decay = np.float32(max(10.0, radius / 2))
        level_fit = np.full(9, 0.6, dtype=np.float32)  # by the session's entry level
        level_fit[0] = 0.75
        level_fit[self.effective_level] = 1.0
        level_fit[self.effective_level - 1] = 0.85
        self.level_fit = level_fit

    def score(self, rows: _Rows, distance: np.ndarray | None, distance_first: bool = False) -> _Scored:
        """Eligibility of every row, and scores of the rows that can reach the top lists.

        With interests given, near misses are only sessions that match one of them (a session that
        is out of reach *and* off topic helps nobody). Results: rows without any interest hit (no
        shared grand domaine, no word of the free text) score at most ``ceiling``, so they are
        scored only when fewer than ``limit`` eligible rows are already above it."""
        n = len(rows)
        if distance is None:
            distance = np.full(n, np.nan, dtype=np.float32)
        shown, eligible = self._eligibility(rows, distance)
        scores = np.full(n, -np.inf, dtype=np.float32)
        code = np.zeros(n, dtype=np.uint8)
        if not self.has_interest:
            some = np.flatnonzero(shown)
            scores[some] = self._base(rows, some, distance, distance_first) + WEIGHTS["interest"] * 0.5
            return _Scored(rows, distance, shown, eligible, shown, scores, -np.inf, code)

        hit = (rows.grand_domains & self.grand_bits) != 0
        if self.text_trainings is not None:
            hit |= self.text_trainings[rows.training]
        hit &= shown
        some = np.flatnonzero(hit)
        code[some] = self._interest_code(rows, some)
        scores[some] = (
            self._base(rows, some, distance, distance_first)
            + WEIGHTS["interest"] * _INTEREST_BY_CODE[code[some]]
        )
        near_ceiling = 1.0 if (distance_first or not np.isnan(distance[:1]).all()) else 0.55
        ceiling = WEIGHTS["distance"] * near_ceiling + WEIGHTS["level"] + WEIGHTS["start"] + WEIGHTS["places"]
        if np.count_nonzero((scores >= ceiling) & eligible) < self.limit:
            rest = np.flatnonzero(eligible & ~hit)
            scores[rest] = self._base(rows, rest, distance, distance_first)
            ceiling = -np.inf
        return _Scored(rows, distance, shown, eligible, hit, scores, ceiling, code)

    def _eligibility(self, rows: _Rows, distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = self.filters
        permanent, start = rows.permanent, rows.start
        shown = permanent | (start >= self.today_day)
        if f.modes is not None:
            shown &= np.isin(rows.mode, [k for k, v in MODE_NAMES.items() if v in f.modes])
        if f.levels is not None:
            shown &= np.isin(rows.level, list(f.levels))
        if f.start_before is not None:
            shown &= permanent | (start <= day_number(f.start_before))
        blocked = rows.full | ((start > self.horizon_day) & ~permanent)
        level_short = rows.required_level > self.effective_level
        if level_short.any():
            route = rows.min_age_without_level
            blocked |= level_short & ~((route > 0) & (route <= self.age))
        blocked |= distance > self.radius  # False for distance learning (nan)
        return shown, shown & ~blocked

    def _interest_code(self, rows: _Rows, some: np.ndarray) -> np.ndarray:
        at = some if rows.positions is None else rows.positions[some]
        block = rows.block
        code = ((block.grand_domains[at] & self.grand_bits) != 0).view(np.uint8)
        if self.text_trainings is not None:
            code |= self.text_trainings[block.training[at]].view(np.uint8) << 1
        domain_hit = np.zeros(len(at), dtype=bool)
        for word, wanted in enumerate(self.domain_bits):
            if wanted:
                domain_hit |= (block.domains[word, at] & wanted) != 0
        code |= domain_hit.view(np.uint8) << 2
        # A same-fiche hit is also a same-domaine hit: look for fiches only there.
        sub = np.flatnonzero(domain_hit)
        f0, f1, f2, f3 = block.fiche[:, at[sub]]
        fm = self.fiche_mask
        code[sub] |= (fm[f0] | fm[f1] | fm[f2] | fm[f3]).view(np.uint8) << 3
        return code

    def _base(self, rows: _Rows, some: np.ndarray, distance: np.ndarray, distance_first: bool) -> np.ndarray:
        """Every part of the score but the interest, for the rows ``some``."""
        if len(some) and np.isnan(distance[some[0]]):
            near = np.float32(1.0 if distance_first else 0.55)
        else:
            near = np.exp(-distance[some] / self.decay)
        wait = np.abs(rows.start[some] - self.wished_day).astype(np.float32)
        start_fit = np.where(
            rows.permanent[some], np.float32(1.0), np.clip(1.0 - (wait - 60.0) / 300.0, 0.2, 1.0)
        )
        places_fit = np.where(rows.places[some] > 0, np.float32(1.0), np.float32(0.7))
        return (
            WEIGHTS["distance"] * near
            + WEIGHTS["level"] * self.level_fit[rows.level[some]]
            + WEIGHTS["start"] * start_fit
            + WEIGHTS["places"] * places_fit
        ).astype(np.float32)


def _mask(size: int, positions: list[int]) -> np.ndarray:
    mask = np.zeros(size + 1, dtype=bool)
    mask[positions] = True
    return mask


class _Describer:
    """Turns a scored row into a Match with its reasons in French, from the session's record."""

    def __init__(
        self, index: SessionIndex, query: _Query, labels: dict[str, str], today: date, distance_first: bool
    ):
        self.index, self.query, self.labels, self.today = index, query, labels, today
        self.profile, self.radius, self.distance_first = query.profile, query.radius, distance_first
        self.age = query.age
        self.level = query.effective_level

    def __call__(self, scored: _Scored, i: int, score: float) -> Match:
        record = self.index.records[int(scored.rows.block.row[scored.rows.row(i)])]
        remote = record.teaching_mode == "distance" or record.latitude is None
        distance = None if remote else float(scored.distance[i])
        match = Match(record=record, score=score, distance_km=distance)
        reasons = match.reasons
        if remote:
            text = "formation à distance : accessible où que l'on habite"
            if self.distance_first:
                text += f" (aucune session en présentiel à moins de {self.radius:g} km)"
            reasons.append(Reason("distance_learning", text))
        else:
            reasons.append(Reason("distance", f"à {_km(distance)} du domicile"))
        interest = self._interest(int(scored.interest_code[i]), record)
        if interest:
            reasons.append(interest)
        reasons.append(self._level(record))
        reasons.append(self._start(record))
        places = record.places_available or 0
        if places > 0:
            plural = "s" if places > 1 else ""
            reasons.append(Reason("places_left", f"{places} place{plural} disponible{plural}"))
        if not scored.eligible[i]:
            match.blockers = [
                Reason(code, self._blocker(code, record, distance))
                for code in self._blockers(record, distance)
            ]
        return match

    def _required_level(self, record: SessionRecord) -> int:
        return (record.entry_level or 0) if record.entry_level_required else 0

    def _blockers(self, record: SessionRecord, distance: float | None) -> list[str]:
        """Why one session is not proposed: the tests of ``_Query._eligibility``, for one record."""
        found = []
        if distance is not None and distance > self.radius:
            found.append("too_far")
        if self._required_level(record) > self.level:
            route = record.min_age_without_level or 0
            if not route:
                found.append("level_required")
            elif route > self.age:
                found.append("age")
        if not record.permanent_entry and day_number(record.start_date) > self.query.horizon_day:
            found.append("starts_too_late")
        if record.places_available == 0:
            found.append("full")
        return found

    def _interest(self, code: int, record: SessionRecord) -> Reason | None:
        wanted = self.profile.rome_codes
        codes = record.rome_codes
        if code & 8:
            fiche = next(c for c in codes if c in wanted)
            return Reason("rome_exact", f"correspond à l'intérêt « {self.labels.get(fiche, fiche)} »")
        if code & 4:
            domain = next(c[:3] for c in codes if c[:3] in {w[:3] for w in wanted})
            return Reason("rome_domain", f"dans le domaine « {self.labels.get(domain, domain)} »")
        if code & 2:
            found = sorted(words_of(f"{record.training_title} {record.text}") & words_of(self.profile.text))
            return Reason("text_match", "mentionne " + ", ".join(f"« {w} »" for w in found[:3]))
        if code & 1:
            grand = next(c[:1] for c in codes if c[:1] in {w[:1] for w in wanted})
            return Reason("rome_grand_domain", f"dans le grand domaine « {self.labels.get(grand, grand)} »")
        return None

    def _level(self, record: SessionRecord) -> Reason:
        level = record.entry_level or 0
        route = record.min_age_without_level or 0
        if self._required_level(record) > self.level and route and route <= self.age:
            return Reason(
                "no_level_route",
                f"entrée possible sans le niveau requis à partir de {route} ans (validation des acquis)",
            )
        if level == 0:
            return Reason("no_level_required", "aucun niveau d'entrée exigé")
        return Reason("level_ok", f"à votre niveau : {LEVEL_LABELS.get(level, level)} demandé")

    def _start(self, record: SessionRecord) -> Reason:
        if record.permanent_entry:
            return Reason("permanent_entry", "entrée possible à tout moment")
        start = record.start_date
        days = (start - self.today).days
        if days <= 0:
            when = "démarre aujourd'hui"
        elif days < 14:
            when = f"démarre dans {days} jour{'s' if days > 1 else ''}"
        elif days < 60:
            when = f"démarre dans {days // 7} semaines"
        else:
            when = f"démarre le {start:%d/%m/%Y}"
        return Reason("starts_soon" if days < 60 else "start_date", when)

    def _blocker(self, code: str, record: SessionRecord, distance: float | None) -> str:
        if code == "too_far":
            return f"à {_km(distance)}, au-delà du rayon de {self.radius:g} km"
        if code == "level_required":
            return f"{LEVEL_LABELS.get(record.entry_level, record.entry_level)} exigé".capitalize()
        if code == "age":
            return f"sans le niveau requis, accessible à partir de {record.min_age_without_level} ans"
        if code == "starts_too_late":
            return f"démarre trop tard ({record.start_date:%d/%m/%Y})"
        return "session complète"


def _km(value: float) -> str:
    return f"{value:.0f} km" if value >= 1 else "moins d'1 km"
