"""LHEO import benchmark: time and peak memory of `import_lheo` on generated files of 10,000 and
100,000 sessions, against a bare lxml iterparse of the same files measured in the same run.

    .venv/bin/python bench/lheo_import.py [--sizes 10000 100000] [--keep DIR]

Each measurement runs in a fresh Python process (peak RSS is per process) on a fresh SQLite database
file, or on DATABASE_URL when it is set, emptied first (give a throwaway database, for instance
`bin/with-postgres .venv/bin/python bench/lheo_import.py`). Two baselines:

- "iterparse (formations)": iterparse restricted to <formation>, freeing each one — the cheapest
  way to stream the file, and the one the importer builds on;
- "iterparse (every element)": the usual bare loop over every element's end event.

Measurements go in rounds (parse, parse of everything, import, back to back); times shown are the
best of ``--repeat`` rounds (default 3) and ratios the median of the rounds'. The target is import time ≤ 3 × the first baseline, and a peak memory that does not grow with the
file (10k vs 100k). Python allocations are measured with tracemalloc in a separate run, because
tracemalloc slows the import down.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

PLACE_COUNT = 40


def _setup_django(db_path: Path | None) -> None:
    if "DATABASE_URL" in os.environ:
        os.environ.setdefault("BENCH_SHARED_DATABASE", "1")
    elif db_path is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


def _ensure_database() -> None:
    """A PostgreSQL DATABASE_URL may name a database that does not exist yet: create it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def demo_places():
    from tremplin.catalog.lheo.generate import GeneratedPlace

    return [GeneratedPlace(f"12{n:03d}", f"12{n:03d}", f"Ville {n}") for n in range(PLACE_COUNT)]


def prepare_database() -> None:
    """Migrate, then create the communes and Cnam sites the generated file refers to."""
    from django.core.management import call_command

    from tremplin.network.enums import CnamSiteKind
    from tremplin.network.models import CnamSite
    from tremplin.territories.models import Commune, Department, Region

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_SHARED_DATABASE"):
        call_command("flush", interactive=False, verbosity=0)  # a database given by DATABASE_URL: start empty
    region, _ = Region.objects.get_or_create(code="76", defaults={"name": "Occitanie"})
    department, _ = Department.objects.get_or_create(
        code="12", defaults={"name": "Aveyron", "region": region}
    )
    for n in range(PLACE_COUNT):
        Commune.objects.get_or_create(
            insee_code=f"12{n:03d}",
            defaults={
                "name": f"Ville {n}",
                "search_name": f"ville {n}",
                "postal_codes": f"12{n:03d}",
                "latitude": 44.0 + n / 100,
                "longitude": 2.5 + n / 100,
                "department": department,
            },
        )
    centre = CnamSite.objects.create(
        code="BENCH-CR", name="Cnam Occitanie", site_kind=CnamSiteKind.REGIONAL_CENTRE, commune_id="12000"
    )
    for n in range(1, PLACE_COUNT, 4):
        CnamSite.objects.create(
            code=f"BENCH-{n}",
            name=f"Cnam Ville {n}",
            site_kind=CnamSiteKind.SITE,
            parent=centre,
            commune_id=f"12{n:03d}",
        )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(mode: str, path: Path, db_path: Path) -> dict:
    result = {}
    if mode in ("parse", "parse-all"):
        from lxml import etree

        options = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}
        started, cpu = time.perf_counter(), cpu_seconds()
        count = 0
        if mode == "parse":
            tag = "{http://lheo.gouv.fr/2.3}formation"
            for _, element in etree.iterparse(str(path), events=("end",), tag=tag, **options):
                count += 1
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
        else:
            for _, element in etree.iterparse(str(path), events=("end",), **options):
                count += 1
                element.clear(keep_tail=False)
        result["seconds"] = time.perf_counter() - started
        result["cpu"] = cpu_seconds() - cpu
        result["elements"] = count
    else:
        import io

        _setup_django(db_path)
        prepare_database()
        from django.core.management import call_command

        from tremplin.catalog.models import TrainingSession

        if mode == "import-tracemalloc":
            import tracemalloc

            tracemalloc.start()
        started, cpu = time.perf_counter(), cpu_seconds()
        call_command("import_lheo", str(path), stdout=io.StringIO())
        result["seconds"] = time.perf_counter() - started
        result["cpu"] = cpu_seconds() - cpu
        if mode == "import-tracemalloc":
            result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        else:
            started = time.perf_counter()
            call_command("import_lheo", str(path), stdout=io.StringIO())
            result["reimport_seconds"] = time.perf_counter() - started
        result["sessions"] = TrainingSession.objects.count()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """The process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss would
    include the parent's memory at fork time."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, path: Path, workdir: Path) -> dict:
    db_path = workdir / f"bench-{mode}-{path.stem}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(db_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of measurements")
    parser.add_argument("--keep", type=Path, help="dossier où garder les fichiers générés (réutilisés)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, db_path = args.child
        print(json.dumps(child(mode, Path(path), Path(db_path))))
        return

    _ensure_database()
    _setup_django(None)
    from tremplin.catalog.lheo.generate import write_lheo_file

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="lheo-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("DATABASE_URL", "SQLite (fichier temporaire)")
    print(f"Base : {database.split('@')[-1]}   dossier : {workdir}")
    rows, ratios = [], {}
    for size in args.sizes:
        path = workdir / f"lheo-{size}.xml"
        if not path.exists():
            started = time.perf_counter()
            written = write_lheo_file(path, sessions=size, places=demo_places())
            print(f"généré {path.name} : {written} en {time.perf_counter() - started:.1f} s")
        # Rounds of (parse, parse of everything, import) back to back: a busy machine slows the three
        # alike, so each round's ratios are fair even when rounds differ.
        rounds = [
            (
                run_child("parse", path, workdir),
                run_child("parse-all", path, workdir),
                run_child("import", path, workdir),
            )
            for _ in range(args.repeat)
        ]
        parse, parse_all, imported = (
            min((r[i] for r in rounds), key=lambda run: run["seconds"]) for i in range(3)
        )
        traced = run_child("import-tracemalloc", path, workdir)
        rows.append((size, path.stat().st_size / 1e6, parse, parse_all, imported, traced))
        ratios[size] = sorted(
            (r[2]["seconds"] / r[0]["seconds"], r[2]["seconds"] / r[1]["seconds"]) for r in rounds
        )

    print()
    print(
        f"{'sessions':>9} {'fichier':>9} {'iterparse':>10} {'iterparse':>10} {'import':>8} {'ratio':>6} "
        f"{'ratio':>6} {'réimport':>9} {'RSS pic':>8} {'RSS pic':>8} {'tracemalloc':>11}"
    )
    print(
        f"{'':>9} {'(Mo)':>9} {'formations':>10} {'tout':>10} {'(s)':>8} {'/form.':>6} {'/tout':>6} "
        f"{'(s)':>9} {'parse':>8} {'import':>8} {'pic (Mo)':>11}"
    )
    for size, megabytes, parse, parse_all, imported, traced in rows:
        print(
            f"{size:>9,} {megabytes:>9.1f} {parse['seconds']:>10.2f} {parse_all['seconds']:>10.2f} "
            f"{imported['seconds']:>8.2f} {imported['seconds'] / parse['seconds']:>6.2f} "
            f"{imported['seconds'] / parse_all['seconds']:>6.2f} {imported['reimport_seconds']:>9.2f} "
            f"{parse['peak_rss_mb']:>8.0f} {imported['peak_rss_mb']:>8.0f} {traced['tracemalloc_peak_mb']:>11.1f}"
        )
        if imported["sessions"] != size:
            print(f"  attention : {imported['sessions']} sessions en base pour {size} attendues")
    print()
    print("Rapports import / iterparse par tour (mêmes conditions de charge dans un tour), médiane :")
    for size, pairs in ratios.items():
        middle = pairs[len(pairs) // 2]
        listed = ", ".join(f"×{form:.2f}/×{every:.2f}" for form, every in pairs)
        print(f"  {size:>9,} sessions : ×{middle[0]:.2f} / formations, ×{middle[1]:.2f} / tout   ({listed})")
    print()
    print("Temps CPU du processus (moins sensible à la charge de la machine que le temps écoulé) :")
    for size, _, parse, parse_all, imported, _ in rows:
        print(
            f"  {size:>9,} sessions : iterparse formations {parse['cpu']:.2f} s, iterparse tout {parse_all['cpu']:.2f} s, "
            f"import {imported['cpu']:.2f} s → ×{imported['cpu'] / parse['cpu']:.2f} / ×{imported['cpu'] / parse_all['cpu']:.2f}"
        )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print()
        print(
            f"Mémoire, {large[0]:,} vs {small[0]:,} sessions : RSS pic ×{large[4]['peak_rss_mb'] / small[4]['peak_rss_mb']:.2f}, "
            f"tracemalloc pic ×{large[5]['tracemalloc_peak_mb'] / small[5]['tracemalloc_peak_mb']:.2f} "
            f"(fichier ×{large[1] / small[1]:.1f})"
        )


if __name__ == "__main__":
    main()
