"""Matching benchmark: one ranking over a national-size catalogue.

    .venv/bin/python bench/matching.py [--sessions 300000] [--queries 1000] [--baseline-queries 10]

Generates the catalogue in a SQLite file of its own (var/bench-matching-SESSIONS.sqlite3, reused
when it already holds that many sessions): Cnam sites in real communes drawn in proportion to population,
one action and three sessions per training, 10 % of actions in distance learning, real ROME codes.
Then measures, in this process:
- the index build through the real path (database read + numpy build), its time and memory;
- p50/p95 of `rank()` over varied profiles (home communes drawn in proportion to population);
- the same ranking done straightforwardly (Django ORM query of the open sessions + Python loops),
  on a few profiles, its median, the speed-up, and whether both give the same top 10.
"""

import argparse
import csv
import math
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
# One database per catalogue size, so that runs of several sizes do not regenerate each other's.
_size = sys.argv[sys.argv.index("--sessions") + 1] if "--sessions" in sys.argv else "300000"
os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / f'bench-matching-{_size}.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from tremplin.catalog.models import Training, TrainingAction, TrainingProvider, TrainingSession  # noqa: E402
from tremplin.catalog.services import catalog_changed  # noqa: E402
from tremplin.matching import loader  # noqa: E402
from tremplin.matching.index import SessionIndex, words_of  # noqa: E402
from tremplin.matching.ranking import HORIZON_DAYS, WEIGHTS, Profile, rank  # noqa: E402
from tremplin.network.enums import CnamSiteKind  # noqa: E402
from tremplin.network.models import CnamSite  # noqa: E402
from tremplin.territories.models import Commune  # noqa: E402

TODAY = date.today()
MODES = ["on_site"] * 6 + ["blended"] * 3 + ["distance"]


def rome_codes() -> list[str]:
    path = settings.SHARED_DATA_DIR / "rome" / "rome_v4_arborescence_derived.csv"
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            return [row["code_rome"] for row in csv.DictReader(fh)]
    return [f"{g}{d}{f:02d}" for g in "ABCDEFGHIJKLMN" for d in (11, 12, 13, 14) for f in range(1, 8)]


def generate(n_sessions: int, rng: random.Random, codes: list[str], communes: list[tuple]) -> None:
    if TrainingSession.objects.count() == n_sessions:
        print(f"catalogue: {n_sessions} sessions already generated, reused")
        return
    print(f"catalogue: generating {n_sessions} sessions…", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        TrainingSession.objects.all().delete()
        TrainingAction.objects.all().delete()
        Training.objects.all().delete()
        CnamSite.objects.filter(code__startswith="BENCH-", parent__isnull=False).delete()
        CnamSite.objects.filter(code__startswith="BENCH-").delete()
        provider, _ = TrainingProvider.objects.get_or_create(
            siret="19753471200017", defaults={"name": "Cnam (banc d'essai)", "is_cnam": True}
        )
        weights = [c[3] for c in communes]
        site_communes = rng.choices(communes, weights=weights, k=1500)
        centre = CnamSite.objects.create(
            code="BENCH-CR",
            name="Centre régional (banc)",
            site_kind=CnamSiteKind.REGIONAL_CENTRE,
            commune_id=site_communes[0][0],
        )
        # Multi-table models cannot be bulk-created: one insert pair per site.
        sites = [
            CnamSite.objects.create(
                code=f"BENCH-{i}",
                name=f"Cnam {c[0]} (banc)",
                site_kind=CnamSiteKind.SITE,
                parent=centre,
                commune_id=c[0],
            )
            for i, c in enumerate(site_communes)
        ]
        site_commune = {s.pk: c for s, c in zip(sites, site_communes)}
        n_trainings = n_sessions // 3
        trainings = Training.objects.bulk_create(
            [
                Training(
                    external_id=f"bench-{i}",
                    provider=provider,
                    title=f"Formation {i} {rng.choice(['gestion', 'informatique', 'commerce', 'santé', 'industrie', 'social'])}",
                    objectives="Acquérir les compétences du métier.",
                    rome_codes=" ".join(rng.sample(codes, rng.choice([1, 1, 2, 3]))),
                    entry_level=rng.choice([None, 3, 4, 4, 5, 6]),
                    entry_level_required=rng.random() < 0.5,
                    min_age_without_level=rng.choice([None, None, 20]),
                )
                for i in range(n_trainings)
            ],
            batch_size=5000,
        )
        actions = []
        for i, training in enumerate(trainings):
            site = rng.choice(sites)
            commune = site_commune[site.pk]
            actions.append(
                TrainingAction(
                    external_id=f"bench-{i}",
                    training=training,
                    teaching_mode=rng.choice(MODES),
                    commune_id=commune[0],
                    latitude=commune[1],
                    longitude=commune[2],
                    cnam_site=site,
                )
            )
        actions = TrainingAction.objects.bulk_create(actions, batch_size=5000)
        sessions = []
        for i in range(n_sessions):
            start = TODAY + timedelta(days=rng.randint(-90, 420))
            sessions.append(
                TrainingSession(
                    external_id=f"bench-{i}",
                    action=actions[i % len(actions)],
                    start_date=start,
                    end_date=start + timedelta(days=300),
                    permanent_entry=rng.random() < 0.1,
                    places_available=rng.choice([None, 0, 3, 8, 15]),
                )
            )
        TrainingSession.objects.bulk_create(sessions, batch_size=5000)
        catalog_changed()
    print(f"catalogue: generated in {time.perf_counter() - started:.0f} s")


def profiles(n: int, rng: random.Random, codes: list[str], communes: list[tuple]) -> list[Profile]:
    homes = rng.choices(communes, weights=[c[3] for c in communes], k=n)
    return [
        Profile(
            latitude=home[1],
            longitude=home[2],
            level=rng.choice([2, 3, 3, 4, 4, 5]),
            has_bac=rng.random() < 0.5,
            rome_codes=tuple(rng.sample(codes, rng.choice([0, 1, 2]))),
            text=rng.choice(["", "", "informatique", "vente commerce"]),
            radius_km=rng.choice([10, 20, 30, 30, 50]),
            distance_learning=rng.random() < 0.7,
            age=rng.randint(16, 25),
        )
        for home in homes
    ]


def baseline_top(profile: Profile, labels: dict[str, str], limit: int = 10) -> list[tuple[float, int]]:
    """The same eligibility and score, written the straightforward way: ORM rows and Python loops."""
    today_day = TODAY.toordinal()
    level = profile.level if (profile.level < 4 or profile.has_bac) else 3
    wished = max(today_day, profile.preferred_start.toordinal() if profile.preferred_start else today_day)
    horizon = today_day + HORIZON_DAYS
    words = words_of(profile.text)
    scored, near_any = [], False
    rows = TrainingSession.objects.receivable(TODAY).select_related("action__training", "action__commune")
    candidates = []
    for s in rows:
        action, training = s.action, s.action.training
        remote = action.teaching_mode == "distance"
        distance = None
        if not remote:
            lat, lon = action.latitude, action.longitude
            p0, p1 = math.radians(profile.latitude), math.radians(lat)
            a = (
                math.sin((p1 - p0) / 2) ** 2
                + math.cos(p0) * math.cos(p1) * math.sin(math.radians(lon - profile.longitude) / 2) ** 2
            )
            distance = 2 * 6371 * math.asin(math.sqrt(a))
        elif not profile.distance_learning:
            continue
        if not s.permanent_entry and s.start_date.toordinal() < today_day:
            continue
        blocked = s.places_available == 0 or (not s.permanent_entry and s.start_date.toordinal() > horizon)
        if training.entry_level_required and (training.entry_level or 0) > level:
            route = training.min_age_without_level or 0
            blocked |= not (route and route <= (profile.age or 0))
        if distance is not None and distance > profile.radius_km:
            blocked = True
        if blocked:
            continue
        near_any |= distance is not None
        codes = training.rome_codes.split()
        if profile.rome_codes or profile.text:
            interest = 0.0
            if any(c[:1] in {r[:1] for r in profile.rome_codes} for c in codes):
                interest = 0.35
            text = " ".join([training.title, training.objectives[:1000], *(labels.get(c, "") for c in codes)])
            if words & words_of(text):
                interest = max(interest, 0.45)
            if any(c[:3] in {r[:3] for r in profile.rome_codes} for c in codes):
                interest = max(interest, 0.6)
            if set(codes) & set(profile.rome_codes):
                interest = 1.0
        else:
            interest = 0.5
        entry = training.entry_level or 0
        level_fit = 0.75 if entry == 0 else 1.0 if entry == level else 0.85 if entry == level - 1 else 0.6
        wait = abs(s.start_date.toordinal() - wished)
        start = 1.0 if s.permanent_entry else min(max(1.0 - (wait - 60) / 300, 0.2), 1.0)
        places = 1.0 if (s.places_available or 0) > 0 else 0.7
        candidates.append((s.pk, distance, interest, level_fit, start, places))
    decay = max(10.0, profile.radius_km / 2)
    for pk, distance, interest, level_fit, start, places in candidates:
        near = (0.55 if near_any else 1.0) if distance is None else math.exp(-distance / decay)
        score = (
            WEIGHTS["interest"] * interest
            + WEIGHTS["distance"] * near
            + WEIGHTS["level"] * level_fit
            + WEIGHTS["start"] * start
            + WEIGHTS["places"] * places
        )
        scored.append((score, pk))
    scored.sort(reverse=True)
    return scored[:limit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--baseline-queries", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(20270104)

    (ROOT / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    if Commune.objects.count() < 30000:
        call_command("import_communes", verbosity=0)
    communes = list(
        Commune.objects.filter(latitude__isnull=False, kind="COM").values_list(
            "insee_code", "latitude", "longitude", "population"
        )
    )
    codes = rome_codes()
    generate(args.sessions, rng, codes, communes)

    loader.forget_index()
    started = time.perf_counter()
    index, labels = loader.shared_index()
    build = time.perf_counter() - started
    started = time.perf_counter()
    SessionIndex.build(index.records)
    numpy_build = time.perf_counter() - started
    # Memory in a second build: tracemalloc slows Python down, so it is kept out of the timings.
    loader.forget_index()
    tracemalloc.start()
    index, labels = loader.shared_index()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"index: {index.size} sessions ({len(index.local)} in a place, {len(index.remote)} at a distance)")
    print(f"index build (database read + build): {build:.2f} s; numpy build alone: {numpy_build:.2f} s")
    print(
        f"index arrays: {index.nbytes / 1e6:.1f} MB; peak Python memory during the build: {peak / 1e6:.0f} MB"
    )

    queries = profiles(args.queries, rng, codes, communes)
    for profile in queries[:50]:  # warm-up
        rank(index, profile, today=TODAY, labels=labels)
    timings, sizes = [], []
    for profile in queries:
        started = time.perf_counter()
        ranking = rank(index, profile, today=TODAY, labels=labels)
        timings.append(time.perf_counter() - started)
        sizes.append(ranking.near_count + ranking.remote_count)
    timings.sort()
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
    print(
        f"rank(): {len(timings)} queries, p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms"
    )
    print(f"eligible sessions per query: median {statistics.median(sizes):.0f}")

    base_times, agree = [], 0
    for profile in queries[: args.baseline_queries]:
        started = time.perf_counter()
        expected = baseline_top(profile, labels)
        base_times.append(time.perf_counter() - started)
        got = rank(index, profile, today=TODAY, labels=labels, limit=10).results
        # Same sessions, or the same scores rank by rank (sessions of one training often tie).
        same_ids = {m.session_id for m in got} == {pk for _, pk in expected}
        same_scores = len(got) == len(expected) and all(
            abs(m.score - score) < 0.05 for m, (score, _) in zip(got, expected)
        )
        agree += same_ids or same_scores
    base = statistics.median(base_times)
    print(f"baseline (ORM + Python loops): {len(base_times)} queries, median {base * 1000:.0f} ms")
    print(
        f"speed-up at the median: {base / p50:.0f}x; same top 10 as the baseline: {agree}/{len(base_times)}"
    )


if __name__ == "__main__":
    main()
