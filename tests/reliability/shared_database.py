"""The test database, shared with a ``manage.py`` subprocess that the test may kill.

On PostgreSQL the subprocess connects to pytest-django's test database itself (the test is a
``transaction=True`` one, so what the test writes is committed and visible to it). On SQLite the test
database lives in this process's memory, which no other process can open: ``push()`` copies it to a
file that the subprocess uses, and ``pull()`` copies the file's committed state back, which is what
SQLite itself recovers after a crash (a rollback journal left behind by a killed writer is played
back when the file is next opened)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
APPLICATION_NAME = "tremplin-reliability-test"
# A safety net against a hung subprocess, never a measure: the test waits for an event, not a delay.
DEADLINE_SECONDS = 600


class SharedDatabase:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.sqlite_file = workdir / "shared.sqlite3" if connection.vendor == "sqlite" else None
        self.started: list[Running] = []

    # -- where the subprocess connects ---------------------------------------------------------------

    @property
    def url(self) -> str:
        if self.sqlite_file is not None:
            return f"sqlite:///{self.sqlite_file}"
        s = connection.settings_dict
        credentials = quote(s["USER"] or "", safe="")
        if s["PASSWORD"]:
            credentials += ":" + quote(s["PASSWORD"], safe="")
        host = s["HOST"] or "localhost"
        port = f":{s['PORT']}" if s["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{s['NAME']}?application_name={APPLICATION_NAME}"

    def push(self) -> None:
        """Make what this process wrote visible to the subprocess."""
        if self.sqlite_file is None:
            return
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)
        connection.ensure_connection()
        target = sqlite3.connect(self.sqlite_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def pull(self) -> None:
        """Make what the subprocess committed visible to this process's ORM."""
        if self.sqlite_file is None:
            return
        connection.ensure_connection()
        source = sqlite3.connect(self.sqlite_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    # -- the subprocess ------------------------------------------------------------------------------

    # --skip-checks: the subprocess does what an operator's import does, without loading the URLs.
    def _env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``manage.py ARGS`` to completion."""
        return subprocess.run(
            [sys.executable, "manage.py", *args, "--skip-checks"],
            cwd=ROOT,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=DEADLINE_SECONDS,
        )

    def start(self, *args: str) -> "Running":
        out = (self.workdir / "stdout.txt").open("w")
        err = (self.workdir / "stderr.txt").open("w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args, "--skip-checks"],
            cwd=ROOT,
            env=self._env(),
            stdout=out,
            stderr=err,
        )
        running = Running(process, self.workdir, (out, err))
        self.started.append(running)
        return running

    def stop_all(self) -> None:
        for running in self.started:
            running.kill()

    # -- evidence that uncommitted rows reached the disk ---------------------------------------------

    def disk_state(self, models):
        """What changes on disk when a transaction writes these models' tables before committing:
        on SQLite the database file, into which a writer spills its uncommitted pages once its cache
        is full (their former content saved in the rollback journal, which a later opening plays
        back); on PostgreSQL the size of the tables' heap files, which hold a transaction's new row
        versions before it commits."""
        if self.sqlite_file is not None:
            stat = self.sqlite_file.stat()
            return (stat.st_size, stat.st_mtime_ns)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c WHERE c.relname = ANY(%s)",
                [[model._meta.db_table for model in models]],
            )
            return int(cursor.fetchone()[0] or 0)

    def wait_for_writes(self, running: "Running", models, before) -> None:
        """Return once the subprocess has written to disk (``disk_state`` moved from ``before``)."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while self.disk_state(models) == before:
            if running.process.poll() is not None:
                raise AssertionError(
                    "the import ended before it was seen writing: make its file larger\n" + running.output()
                )
            if time.monotonic() > deadline:
                running.kill()
                raise AssertionError("the import wrote nothing\n" + running.output())
            time.sleep(0.01)

    def wait_for_backend_gone(self) -> None:
        """On PostgreSQL, a killed client's server process rolls back when it notices the closed
        socket; wait for it so that what follows sees the database as a restart would."""
        if self.sqlite_file is not None:
            return
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME]
                )
                if cursor.fetchone()[0] == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the killed import's PostgreSQL backend is still there")


class Running:
    def __init__(self, process: subprocess.Popen, workdir: Path, files):
        self.process = process
        self.workdir = workdir
        self.files = files

    def kill(self) -> int:
        """SIGKILL: no handler, no ``finally``, no rollback sent by the client."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait()
        for f in self.files:
            if not f.closed:
                f.close()
        return code

    def output(self) -> str:
        for f in self.files:
            if not f.closed:
                f.flush()
        out = (self.workdir / "stdout.txt").read_text()
        err = (self.workdir / "stderr.txt").read_text()
        return f"stdout:\n{out}\nstderr:\n{err}"
