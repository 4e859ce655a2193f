"""Reach analysis: distance from every commune to the nearest Cnam site, over all of France.

    .venv/bin/python bench/reach.py [--referrals 1000000] [--requests 5]
    bin/with-postgres .venv/bin/python bench/reach.py   # generates its data first (see bench/stats.py)

Reads the database of bench/stats.py (var/bench-stats-N.sqlite3: real communes, 228 generated Cnam
sites, 500,000 young people; run bench/stats.py first on SQLite). Measures, in this process:
- the analysis itself (tremplin.stats.reach.analyse: five queries, then one matrix product), split
  into reading and computing, median of several runs;
- the same distances computed straightforwardly (a Python loop of haversines over every commune and
  site), once, as the baseline, and whether both find the same nearest distances;
- the numpy part alone with 1,500 sites, to show how it grows with the network;
- the reach page through Django's test client (server time, SQL queries).
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("TREMPLIN_OTP_REQUIRED", "false")  # benchmarks time pages, not the second factor
_size = sys.argv[sys.argv.index("--referrals") + 1] if "--referrals" in sys.argv else "1000000"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
if not ON_POSTGRES:
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / f'bench-stats-{_size}.sqlite3'}"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DEBUG"] = "False"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tremplin.accounts import services as accounts_services  # noqa: E402
from tremplin.accounts.enums import Role  # noqa: E402
from tremplin.network.models import CnamSite  # noqa: E402
from tremplin.stats import reach  # noqa: E402
from tremplin.territories.models import Commune  # noqa: E402
from tremplin.youth.models import YoungPerson  # noqa: E402


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * reach.EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", default="1000000", help="the database of bench/stats.py --referrals N")
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    if ON_POSTGRES and not Commune.objects.exists():
        import subprocess

        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "stats.py"),
                "--referrals",
                args.referrals,
                "--requests",
                "1",
            ],
            check=True,
        )
    if not CnamSite.objects.exists():
        sys.exit("Run bench/stats.py first: it generates the data this benchmark reads.")
    print(
        f"data: {Commune.objects.count()} communes, {CnamSite.objects.count()} Cnam sites, "
        f"{YoungPerson.objects.count()} young people ({'PostgreSQL' if ON_POSTGRES else 'SQLite'})",
        flush=True,
    )

    timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        analysis = reach.analyse()
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    communes = list(
        Commune.objects.filter(kind="COM", latitude__isnull=False).values_list("latitude", "longitude")
    )
    points = reach.unit_vectors([c[0] for c in communes], [c[1] for c in communes])
    sites = reach.unit_vectors([s.latitude for s in analysis.sites], [s.longitude for s in analysis.sites])
    started = time.perf_counter()
    reach.nearest(points, sites)
    compute = time.perf_counter() - started
    print(
        f"analysis: {median:.2f} s (median of {args.requests}; of which {compute * 1000:.0f} ms of distances for "
        f"{len(communes)} communes x {len(sites)} sites, the rest reading the database)"
    )
    far30, young30 = analysis.beyond(30)
    far60, young60 = analysis.beyond(60)
    total = int(analysis.population.sum())
    print(
        f"  beyond 30 km: {far30} inhabitants ({far30 / total:.1%}), {young30} young people; "
        f"beyond 60 km: {far60} ({far60 / total:.1%}), {young60} young people"
    )

    started = time.perf_counter()
    site_points = [(s.latitude, s.longitude) for s in analysis.sites]
    baseline = [
        min(haversine_km(lat, lon, slat, slon) for slat, slon in site_points) for lat, lon in communes
    ]
    baseline_time = time.perf_counter() - started
    _, fast = reach.nearest(points, sites)
    same = np.allclose(np.array(baseline), fast, atol=1e-6)
    print(
        f"baseline (Python loop of haversines): {baseline_time:.2f} s for the distances alone — "
        f"{baseline_time / compute:.0f}x slower than the matrix product; same distances: {same}"
    )

    rng = np.random.default_rng(1)
    many = reach.unit_vectors(rng.uniform(42.5, 50.5, 1500), rng.uniform(-4.5, 7.5, 1500))
    started = time.perf_counter()
    reach.nearest(points, many)
    print(f"distances with 1,500 sites: {(time.perf_counter() - started) * 1000:.0f} ms")

    user = accounts_services.user_create_or_update(
        email="pilotage@bench.tremplin.fr", organisation_code="ETAT", role=Role.STEERING
    ).user
    client = Client()
    client.force_login(user)
    client.get("/pilotage/portee/")  # builds the map outlines of this process
    page_timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get("/pilotage/portee/")
        page_timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/pilotage/portee/")
    print(
        f"reach page: {statistics.median(page_timings):.2f} s (median), {len(queries)} SQL queries, "
        f"{len(response.content) // 1024} KiB"
    )


if __name__ == "__main__":
    main()
