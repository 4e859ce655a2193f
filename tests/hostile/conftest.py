"""Hostile input: fuzzing of the importers and forms, XML bombs, uploads.

Hypothesis runs these tests with the "hostile" profile only (the rest of the suite keeps its own
settings): derandomized, no example database, a bounded number of examples, no deadline (SQLite
and PostgreSQL timings differ; a timing is not what these tests check). ``HOSTILE_EXAMPLES=500``
searches deeper by hand."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "hostile",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "20")),
    # Examples share the test's database transaction and its fixtures, on purpose: what one example
    # imported must not break the next.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
HOSTILE = settings.get_profile("hostile")


@pytest.fixture
def scratch(tmp_path):
    """Write bytes to a file of the given name (each call replaces the previous file of that name)."""

    def _write(data: bytes | str, name: str = "offre.xml") -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return _write
