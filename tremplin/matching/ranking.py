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
from datetime import date, timedelta

import numpy as np

from tremplin.matching.index import (
    MODE_DISTANCE,
    MODE_NAMES,
    Block,
    SessionIndex,
    SessionRecord,
    day_number,
    words_of,
)

WEIGHTS = {"interest": 40.0, "distance": 25.0, "level": 15.0, "start": 12.0, "places": 8.0}
HORIZON_DAYS = 365
LATE_AFTER_DAYS = 120
NEAR_MISS_EXTRA_KM = 30.0  # how far beyond the radius a session still counts as a near miss

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


@dataclass(frozen=True)
class Reason:
    code: str
    label: str


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


@dataclass
class _Scored:
    block: Block
    distance: np.ndarray  # km, nan for distance learning
    shown: np.ndarray  # proposable at all (not started, within the page's filters)
    eligible: np.ndarray
    score: np.ndarray
    blockers: dict[str, np.ndarray]
    interest_kind: np.ndarray  # 3 fiche, 2 domaine, 1 grand domaine, 4 text, 0 none
    level_route: np.ndarray  # True where only the age route opens the session


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
    labels = labels or {}
    radius = max(float(profile.radius_km), 0.0)
    reach = radius + NEAR_MISS_EXTRA_KM
    positions = index.local_candidates(profile.latitude, profile.longitude, reach)
    local = index.local.take(positions)
    local_distance = _haversine_km(profile.latitude, profile.longitude, local.lat, local.lon)
    keep = local_distance <= reach
    local = local.take(np.flatnonzero(keep))
    local_distance = local_distance[keep]

    today_day = day_number(today)
    context = _QueryContext(index, profile, filters, today_day, radius)
    scored_local = context.score(local, local_distance)
    any_local = bool(scored_local.eligible.any())
    # Nobody near: distance learning first. Someone near: distance learning still shown, after.
    distance_first = profile.distance_learning and not any_local
    if profile.distance_learning:
        remote = index.remote
        scored_remote = context.score(remote, np.full(len(remote), np.nan, dtype=np.float32), distance_first)
    else:
        scored_remote = context.score(
            index.remote.take(np.empty(0, dtype=np.int64)), np.empty(0, dtype=np.float32)
        )

    results, near_misses = [], []
    for scored in (scored_local, scored_remote):
        results += _top(scored, scored.eligible, limit)
        near_misses += _top(scored, scored.shown & ~scored.eligible, near_miss_limit)
    results.sort(key=lambda item: -item[1])
    near_misses.sort(key=lambda item: -item[1])
    describe = _Describer(index, profile, labels, today, radius, distance_first)
    return Ranking(
        results=[describe(scored, pos, score) for scored, score, pos in results[:limit]],
        near_misses=[describe(scored, pos, score) for scored, score, pos in near_misses[:near_miss_limit]],
        near_count=int(scored_local.eligible.sum()),
        remote_count=int(scored_remote.eligible.sum()),
        distance_first=distance_first,
        radius_km=radius,
    )


def _top(scored: _Scored, mask: np.ndarray, limit: int):
    candidates = np.flatnonzero(mask)
    if len(candidates) > limit:
        best = np.argpartition(-scored.score[candidates], limit - 1)[:limit]
        candidates = candidates[best]
    return [(scored, float(scored.score[pos]), int(pos)) for pos in candidates]


def _haversine_km(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    if not len(lat):
        return np.empty(0, dtype=np.float32)
    p0, l0 = np.radians(lat0), np.radians(lon0)
    p, lam = np.radians(lat.astype(np.float64)), np.radians(lon.astype(np.float64))
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin((lam - l0) / 2) ** 2
    return (2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))).astype(np.float32)


class _QueryContext:
    def __init__(
        self, index: SessionIndex, profile: Profile, filters: Filters, today_day: int, radius: float
    ):
        self.index, self.profile, self.filters, self.today_day, self.radius = (
            index,
            profile,
            filters,
            today_day,
            radius,
        )
        self.effective_level = profile.level if (profile.level < 4 or profile.has_bac) else 3
        wished = day_number(profile.preferred_start) if profile.preferred_start else today_day
        self.wished_day = max(wished, today_day)
        self.horizon_day = (
            self.wished_day + LATE_AFTER_DAYS if profile.preferred_start else today_day + HORIZON_DAYS
        )
        fiches = [index.fiche_index[c] for c in profile.rome_codes if c in index.fiche_index]
        domains = [index.domain_index[c[:3]] for c in profile.rome_codes if c[:3] in index.domain_index]
        grands = [
            index.grand_domain_index[c[:1]] for c in profile.rome_codes if c[:1] in index.grand_domain_index
        ]
        self.fiche_mask = _mask(len(index.fiche_index), fiches)
        self.domain_mask = _mask(len(index.domain_index), domains)
        self.grand_mask = _mask(len(index.grand_domain_index), grands)
        self.text_words = sorted(w for w in words_of(profile.text) if w in index.words_to_trainings)
        self.text_trainings = np.zeros(len(index.training_ids), dtype=bool)
        for word in self.text_words:
            self.text_trainings[index.words_to_trainings[word]] = True
        self.has_interest = bool(profile.rome_codes or profile.text.strip())
        self.decay = max(10.0, radius / 2)

    def score(self, block: Block, distance: np.ndarray, distance_first: bool = False) -> _Scored:
        n = len(block)
        p, f = self.profile, self.filters
        # Not proposable at all: started without permanent entry, or outside the page's filters.
        shown = block.permanent | (block.start >= self.today_day)
        if f.modes is not None:
            shown &= np.isin(block.mode, [k for k, v in MODE_NAMES.items() if v in f.modes])
        if f.levels is not None:
            shown &= np.isin(block.level, list(f.levels))
        if f.start_before is not None:
            shown &= block.permanent | (block.start <= day_number(f.start_before))

        is_remote = block.mode == MODE_DISTANCE
        too_far = ~is_remote & ~(distance <= self.radius)
        level_short = block.level_required & (block.level > self.effective_level)
        age_route = block.min_age_without_level > 0
        age_ok = age_route & (p.age is not None and p.age > 0) & (block.min_age_without_level <= (p.age or 0))
        level_blocked = level_short & ~age_route
        age_blocked = level_short & age_route & ~age_ok
        late = ~block.permanent & (block.start > self.horizon_day)
        full = block.places == 0
        blockers = {
            "too_far": too_far,
            "level_required": level_blocked,
            "age": age_blocked,
            "starts_too_late": late,
            "full": full,
        }
        eligible = shown & ~(too_far | level_blocked | age_blocked | late | full)

        # Interest.
        interest = np.full(n, 0.5 if not self.has_interest else 0.0, dtype=np.float32)
        kind = np.zeros(n, dtype=np.int8)
        if self.has_interest and n:
            valid = block.fiche >= 0
            fiche_hit = (self.fiche_mask[np.where(valid, block.fiche, 0)] & valid).any(axis=1)
            domain_hit = (self.domain_mask[np.where(valid, block.domain, 0)] & valid).any(axis=1)
            grand_hit = (self.grand_mask[np.where(valid, block.grand_domain, 0)] & valid).any(axis=1)
            text_hit = self.text_trainings[block.training] if self.text_words else np.zeros(n, dtype=bool)
            for hit, value, code in (
                (grand_hit, 0.35, 1),
                (text_hit, 0.45, 4),
                (domain_hit, 0.6, 2),
                (fiche_hit, 1.0, 3),
            ):
                better = hit & (value > interest)
                interest[better] = value
                kind[better] = code

        # Distance.
        if is_remote.all():
            near = np.full(n, 1.0 if distance_first else 0.55, dtype=np.float32)
        else:
            near = np.where(is_remote, 0.55, np.exp(-np.nan_to_num(distance, nan=0.0) / self.decay)).astype(
                np.float32
            )

        # Level.
        gap = self.effective_level - block.level.astype(np.int16)
        level = np.select(
            [block.level == 0, level_short & age_ok, gap == 0, gap == 1],
            [0.75, 0.6, 1.0, 0.85],
            default=0.6,
        ).astype(np.float32)

        # Start.
        wait = np.abs(block.start - self.wished_day).astype(np.float32)
        start = np.where(block.permanent, 1.0, np.clip(1.0 - (wait - 60.0) / 300.0, 0.2, 1.0)).astype(
            np.float32
        )

        places = np.where(block.places > 0, 1.0, 0.7).astype(np.float32)

        score = (
            WEIGHTS["interest"] * interest
            + WEIGHTS["distance"] * near
            + WEIGHTS["level"] * level
            + WEIGHTS["start"] * start
            + WEIGHTS["places"] * places
        )
        return _Scored(block, distance, shown, eligible, score, blockers, kind, level_short & age_ok)


def _mask(size: int, positions: list[int]) -> np.ndarray:
    mask = np.zeros(max(size, 1), dtype=bool)
    mask[positions] = True
    return mask


class _Describer:
    """Turns a scored position into a Match with its reasons in French."""

    def __init__(self, index, profile, labels, today, radius, distance_first):
        self.index, self.profile, self.labels, self.today = index, profile, labels, today
        self.radius, self.distance_first = radius, distance_first

    def __call__(self, scored: _Scored, pos: int, score: float) -> Match:
        block = scored.block
        record = self.index.records[int(block.row[pos])]
        remote = int(block.mode[pos]) == MODE_DISTANCE
        distance = None if remote else float(scored.distance[pos])
        match = Match(record=record, score=score, distance_km=distance)
        reasons = match.reasons
        if remote:
            text = "formation à distance : accessible où que l'on habite"
            if self.distance_first:
                text += f" (aucune session en présentiel à moins de {self.radius:g} km)"
            reasons.append(Reason("distance_learning", text))
        else:
            reasons.append(Reason("distance", f"à {_km(distance)} du domicile"))
        reasons.extend(self._interest(scored, pos, record))
        reasons.append(self._level(scored, pos))
        reasons.append(self._start(block, pos))
        places = int(block.places[pos])
        if places > 0:
            reasons.append(
                Reason(
                    "places_left",
                    f"{places} place{'s' if places > 1 else ''} disponible{'s' if places > 1 else ''}",
                )
            )
        for code, mask in scored.blockers.items():
            if mask[pos]:
                match.blockers.append(Reason(code, self._blocker(code, block, pos, distance)))
        return match

    def _interest(self, scored, pos, record):
        kind = int(scored.interest_kind[pos])
        wanted = set(self.profile.rome_codes)
        codes = [self.index.fiche_codes[i] for i in scored.block.fiche[pos] if i >= 0]
        if kind == 3:
            code = next(c for c in codes if c in wanted)
            return [Reason("rome_exact", f"correspond à l'intérêt « {self.labels.get(code, code)} »")]
        if kind == 2:
            code = next(c for c in codes if c[:3] in {w[:3] for w in wanted})
            return [Reason("rome_domain", f"dans le domaine « {self.labels.get(code[:3], code[:3])} »")]
        if kind == 4:
            found = sorted(
                words_of(record.training_title + " " + record.text) & set(words_of(self.profile.text))
            )
            quoted = ", ".join(f"« {w} »" for w in found[:3])
            return [Reason("text_match", f"mentionne {quoted}")]
        if kind == 1:
            code = next(c for c in codes if c[:1] in {w[:1] for w in wanted})
            return [
                Reason(
                    "rome_grand_domain", f"dans le grand domaine « {self.labels.get(code[:1], code[:1])} »"
                )
            ]
        return []

    def _level(self, scored, pos):
        level = int(scored.block.level[pos])
        if scored.level_route[pos]:
            age = int(scored.block.min_age_without_level[pos])
            return Reason(
                "no_level_route",
                f"entrée possible sans le niveau requis à partir de {age} ans (validation des acquis)",
            )
        if level == 0:
            return Reason("no_level_required", "aucun niveau d'entrée exigé")
        return Reason("level_ok", f"à votre niveau : {LEVEL_LABELS.get(level, level)} demandé")

    def _start(self, block, pos):
        if block.permanent[pos]:
            return Reason("permanent_entry", "entrée possible à tout moment")
        start = date(1970, 1, 1) + timedelta(days=int(block.start[pos]))
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

    def _blocker(self, code, block, pos, distance):
        if code == "too_far":
            return f"à {_km(distance)}, au-delà du rayon de {self.radius:g} km"
        if code == "level_required":
            return f"{LEVEL_LABELS.get(int(block.level[pos]), block.level[pos])} exigé".capitalize()
        if code == "age":
            return (
                f"sans le niveau requis, accessible à partir de {int(block.min_age_without_level[pos])} ans"
            )
        if code == "starts_too_late":
            start = date(1970, 1, 1) + timedelta(days=int(block.start[pos]))
            return f"démarre trop tard ({start:%d/%m/%Y})"
        return "session complète"


def _km(value: float) -> str:
    return f"{value:.0f} km" if value >= 1 else "moins d'1 km"
