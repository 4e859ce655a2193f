"""The backup and restore procedure of docs/operations.md, run for real: ``pg_dump --format=custom``
of a database holding referrals, ``createdb`` of a fresh database on the same server,
``pg_restore`` into it, then every referral, event and message is found there as it was."""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from tests.reliability.shared_database import ROOT
from tremplin.referrals.models import Referral, ReferralEvent, ReferralMessage
from tremplin.referrals.services import referral_message_post, referral_send, referral_transition

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and pg_restore need PostgreSQL: run with bin/with-postgres",
)

RESTORED_SUFFIX = "_restauree"
TABLES = (Referral, ReferralEvent, ReferralMessage)


def client_binary(name: str) -> str:
    """The client of the server's major version, as bin/with-postgres finds the server itself."""
    candidates = []
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        candidates.append(Path(bindir) / name)
    candidates += [Path(d) / name for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for path in candidates:
        if path.is_file():
            return str(path)
    pytest.fail(f"{name} introuvable (paquet postgresql-client)")


def database_url(name: str) -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{credentials}@{s['HOST'] or 'localhost'}{port}/{name}"


def run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command[:1])} : {result.stderr}"


def rows(cursor, model) -> list[str]:
    """Every row of the model's table, every column, as JSON text: compared as stored."""
    cursor.execute(f"SELECT to_jsonb(t)::text FROM {model._meta.db_table} t ORDER BY id")
    return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def restored_name(transactional_db):
    name = connection.settings_dict["NAME"] + RESTORED_SUFFIX
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dump_restored_into_a_fresh_database_holds_every_referral(
    transactional_db, restored_name, tmp_path, net, counsellor, referent, person, session, later_session
):
    ml = counsellor.memberships.get()
    cnam = referent.memberships.get()
    admitted = referral_send(
        young_person=person,
        user=counsellor,
        membership=ml,
        session=session,
        message="Léa a un projet de reconversion dans le développement web.",
    )
    referral_transition(referral=admitted, action="acknowledge", user=referent, membership=cnam)
    referral_message_post(
        referral=admitted, user=referent, membership=cnam, body="Pouvez-vous nous transmettre son CV ?"
    )
    referral_message_post(
        referral=admitted, user=counsellor, membership=ml, body="Le voici, en pièce jointe."
    )
    referral_transition(
        referral=admitted,
        action="plan_meeting",
        user=referent,
        membership=cnam,
        meeting_at=timezone.now() + timezone.timedelta(days=3),
        meeting_place="Cnam Aveyron, salle 2",
    )
    referral_transition(
        referral=admitted, action="admit", user=referent, membership=cnam, comment="Dossier complet."
    )
    withdrawn = referral_send(young_person=person, user=counsellor, membership=ml, session=later_session)
    referral_transition(
        referral=withdrawn,
        action="withdraw",
        user=counsellor,
        membership=ml,
        reason="no_longer_interested",
        comment="Elle préfère attendre.",
    )
    positioning = referral_send(young_person=person, user=counsellor, membership=ml, site=net["other_site"])
    with connection.cursor() as cursor:
        original = {model.__name__: rows(cursor, model) for model in TABLES}
    assert len(original["Referral"]) == 3
    assert len(original["ReferralMessage"]) == 3  # the message sent with the referral, then two
    assert len(original["ReferralEvent"]) >= 7

    dump = tmp_path / "tremplin.dump"
    source_url = database_url(connection.settings_dict["NAME"])
    restored_url = database_url(restored_name)
    run(client_binary("pg_dump"), "--format=custom", f"--file={dump}", f"--dbname={source_url}")
    run(client_binary("createdb"), f"--maintenance-db={source_url}", restored_name)
    run(
        client_binary("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={restored_url}",
        str(dump),
    )

    with psycopg.connect(restored_url) as restored, restored.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        restored_rows = {model.__name__: rows(cursor, model) for model in TABLES}
        cursor.execute(
            f"SELECT status FROM {Referral._meta.db_table} WHERE id = ANY(%s) ORDER BY id",
            [[admitted.pk, withdrawn.pk, positioning.pk]],
        )
        statuses = [row[0] for row in cursor.fetchall()]
    assert restored_rows == original
    assert statuses == ["admitted", "withdrawn", "sent"]

    # Last step of the procedure: Tremplin pointed at the restored database finds its schema whole.
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check", "--skip-checks"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": restored_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert check.returncode == 0, check.stdout + check.stderr
