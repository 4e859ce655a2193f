"""Commune lookup benchmark: 1,000 varied autocomplete queries.

    .venv/bin/python bench/commune_lookup.py [URL]

Uses var/bench-communes.sqlite3 (migrated and filled with import_communes here: a rerun is a no-op).
Queries are drawn (fixed seed) from the real referential: whole names, names typed without accents
or hyphens, with "st"/"ste", first letters of names (2 to 8), a word of a name, postal codes and
their first 2 to 4 digits, INSEE codes. Measures:
- the index build (first search of a process);
- p50/p95/p99 of search_communes() in this process;
- the baseline: the same queries as a naive ORM query (icontains on search_name and postal codes,
  INSEE code, most populated first, 20 rows) and the ratio;
- p50/p95 through HTTP: against URL (e.g. http://127.0.0.1:8000, a running server using the same
  database) when given, else through Django's test Client (the whole middleware stack, no socket).
"""

import os
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = ROOT / "var" / "bench-communes.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "False")
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tremplin.territories import lookup  # noqa: E402
from tremplin.territories.lookup import normalize_name, search_communes  # noqa: E402
from tremplin.territories.models import Commune  # noqa: E402

QUERIES = 1000
BASELINE_QUERIES = 200
ACCENTS = str.maketrans("éèêëàâäîïôöûüùçÿœÉÈÊÎÔÂ", "eeeeaaaiioouuucyoEEEIOA")


def make_queries(n: int) -> list[str]:
    rng = random.Random(20210609)  # the convention's date
    communes = list(Commune.objects.values_list("name", "postal_codes", "insee_code", "population"))
    # Half drawn like people live (big towns are searched more), half uniformly (every village).
    weights = [population + 100 for *_, population in communes]
    picks = rng.choices(communes, weights=weights, k=n // 2) + rng.choices(communes, k=n - n // 2)
    queries = []
    for name, postal_codes, insee_code, _ in picks:
        kind = rng.randrange(10)
        codes = postal_codes.split() or [insee_code]
        if kind == 0:
            queries.append(name)
        elif kind == 1:
            queries.append(name.lower().translate(ACCENTS).replace("-", " ").replace("'", " "))
        elif kind == 2:
            queries.append(name.replace("Saint-", "St ").replace("Sainte-", "Ste ").lower())
        elif kind in (3, 4, 5):
            queries.append(name[: rng.randint(2, 8)].lower())
        elif kind == 6:
            queries.append(rng.choice(name.replace("'", " ").replace("-", " ").split()).lower())
        elif kind == 7:
            queries.append(rng.choice(codes))
        elif kind == 8:
            queries.append(rng.choice(codes)[: rng.randint(2, 4)])
        else:
            queries.append(insee_code)
    return queries


def naive_search(text: str) -> list[dict]:
    folded = normalize_name(text)
    if len(folded) < 2:
        return []
    matches = Commune.objects.filter(
        Q(search_name__icontains=folded) | Q(postal_codes__contains=text.strip()) | Q(insee_code=text.strip())
    )
    return list(
        matches.order_by("-population").values(
            "insee_code",
            "name",
            "postal_codes",
            "department_id",
            "department__name",
            "department__region__name",
            "population",
            "latitude",
            "longitude",
            "size_class",
        )[:20]
    )


def timings(function, queries) -> list[float]:
    durations = []
    for query in queries:
        start = time.perf_counter()
        function(query)
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def summary(label: str, durations: list[float]) -> float:
    quantiles = statistics.quantiles(durations, n=100)
    p50, p95, p99 = quantiles[49], quantiles[94], quantiles[98]
    print(
        f"{label:<44} p50 {p50:7.3f} ms   p95 {p95:7.3f} ms   p99 {p99:7.3f} ms   ({len(durations)} queries)"
    )
    return p95


def http_getter(url: str):
    # One connection per request: with keep-alive, the development server writes headers and body
    # in two packets and the client's delayed ACK adds 40 ms to every answer.
    base = f"{url.rstrip('/')}{reverse('api-communes')}?"

    def get(query: str):
        with urllib.request.urlopen(base + urllib.parse.urlencode({"q": query}), timeout=10) as response:
            assert response.status == 200, response.status
            return response.read()

    return get


def main():
    call_command("migrate", verbosity=0)
    call_command("import_communes", verbosity=0, stdout=open(os.devnull, "w"))
    queries = make_queries(QUERIES)
    print(f"{Commune.objects.count()} communes; {len(queries)} queries, e.g. {queries[:8]}")

    lookup.invalidate()
    start = time.perf_counter()
    search_communes("warm up")
    print(f"index build (first search of a process): {(time.perf_counter() - start) * 1000:.0f} ms")

    found = sum(bool(search_communes(query)) for query in queries)
    print(f"queries with at least one result: {found}/{len(queries)}")
    fast = summary("search_communes() in process", timings(search_communes, queries))
    naive = summary("baseline: naive ORM icontains query", timings(naive_search, queries[:BASELINE_QUERIES]))
    print(f"p95 ratio baseline / search_communes: {naive / fast:.0f}x")

    if len(sys.argv) > 1:
        get = http_getter(sys.argv[1])
        get("warm up")
        summary(f"HTTP GET {sys.argv[1]}", timings(get, queries))
    else:
        client = Client(HTTP_HOST="localhost")
        url = reverse("api-communes")

        def get(query: str):
            response = client.get(url, {"q": query})
            assert response.status_code == 200, (response.status_code, response.content[:200])

        get("warm up")
        summary("HTTP through Django's test Client", timings(get, queries))


if __name__ == "__main__":
    main()
