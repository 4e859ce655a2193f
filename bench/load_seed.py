"""Seeds the database of the load benchmark (bench/load.py runs this in a subprocess, so that Django
and locust's gevent patching never share a process).

    DATABASE_URL=postgres://… .venv/bin/python bench/load_seed.py --counsellors 160 --referents 40 OUT.json

Creates the database named in DATABASE_URL when missing, migrates, runs ``load_demo``, then adds a
working population spread over the Cnam sites that have open sessions, so that simulated users do
not all read and write the same rows:
- referents, round-robin over those sites;
- missions locales of its own, seated in the sites' communes (up to two per site: with 132 sites
  and 157 counsellors, one per counsellor);
- for each counsellor, young people living in the site's commune, most of them already referred to
  one of the site's sessions (some acknowledged, some with a meeting planned, a message or two),
  the others not yet referred (the simulated counsellors refer them during the run);
- a read-only API token for a few of those missions locales.
Writes the accounts (one shared password), the tokens and the data sizes to OUT.json.
Everything goes through the services, as a real user's actions would; no email is sent.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Charge-Tremplin-2025"
EMAIL_DOMAIN = "charge.tremplin.fr"
PEOPLE_PER_COUNSELLOR = 12
NOT_YET_REFERRED = 3
API_TOKENS = 6


def create_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def benchmark_mission_locale(slot: int, site):
    from tremplin.network.models import MissionLocale

    return MissionLocale.objects.update_or_create(
        code=f"ML-CHARGE-{slot:03d}",
        defaults={
            "name": f"Mission locale de charge {slot:03d}",
            "commune": site.commune,
            "department_id": site.commune.department_id,
            "region_id": site.commune.department.region_id,
            "is_demo": True,
        },
    )[0]


def seed(*, counsellors: int, referents: int, rng: random.Random) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tremplin.accounts import services as accounts_services
    from tremplin.accounts.enums import Role
    from tremplin.accounts.models import Membership, User
    from tremplin.api.services import api_token_create
    from tremplin.catalog.models import TrainingSession
    from tremplin.network.models import CnamSite, MissionLocale
    from tremplin.referrals import notifications, services
    from tremplin.youth import services as youth_services

    sessions_by_site: dict[int, list] = {}
    for session in TrainingSession.objects.receivable().select_related("action__cnam_site__commune"):
        sessions_by_site.setdefault(session.action.cnam_site_id, []).append(session)
    sites = sorted(
        CnamSite.objects.filter(pk__in=sessions_by_site).select_related("commune__department"),
        key=lambda site: (-len(sessions_by_site[site.pk]), site.pk),
    )
    if not sites:
        raise SystemExit("load_seed: no Cnam site has an open session after load_demo")

    def user(email, organisation_code, role, first_name, last_name):
        # No password here: hashing one per account would take minutes; one hash is shared below.
        return accounts_services.user_create_or_update(
            email=email,
            organisation_code=organisation_code,
            role=role,
            first_name=first_name,
            last_name=last_name,
        ).user

    referent_emails, referent_memberships = [], {}
    for i in range(referents):
        site = sites[i % len(sites)]
        email = f"referent-{i:03d}@{EMAIL_DOMAIN}"
        account = user(email, site.code, Role.CNAM_REFERENT, "Référent", f"Charge {i:03d}")
        referent_emails.append(email)
        referent_memberships.setdefault(site.pk, Membership.objects.get(user=account, organisation=site))

    counsellor_emails, people, referrals = [], 0, 0
    used_ml_codes: list[str] = []
    birth_year = timezone.localdate().year - 20
    with notifications.muted():
        for i in range(counsellors):
            # Two missions locales of the benchmark's own per site: the real ones hold the stats
            # demo's referrals, which are meant for the dashboards, not for anyone's lists.
            slot = i % (2 * len(sites))
            site = sites[slot % len(sites)]
            mission_locale = benchmark_mission_locale(slot, site)
            email = f"conseiller-{i:03d}@{EMAIL_DOMAIN}"
            account = user(email, mission_locale.code, Role.COUNSELLOR, "Conseiller", f"Charge {i:03d}")
            membership = Membership.objects.get(user=account, organisation=mission_locale)
            counsellor_emails.append(email)
            if mission_locale.code not in used_ml_codes:
                used_ml_codes.append(mission_locale.code)
            referent = referent_memberships.get(site.pk)
            for n in range(PEOPLE_PER_COUNSELLOR):
                person = youth_services.young_person_create(
                    mission_locale=mission_locale,
                    created_by=account,
                    first_name=rng.choice(
                        ["Léa", "Hugo", "Inès", "Nathan", "Jade", "Yanis", "Manon", "Théo"]
                    ),
                    last_name=f"Charge{i:03d}{n:02d}",
                    birth_date=datetime.date(
                        birth_year - rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                    home_commune=site.commune,
                    education_level=rng.choice([3, 4, 4, 5]),
                    has_bac=True,
                    email=f"jeune-{i:03d}-{n:02d}@exemple.{EMAIL_DOMAIN}",
                    max_travel_km=40,
                    distance_learning_ok=True,
                    consent=True,
                )
                people += 1
                if n < NOT_YET_REFERRED:
                    continue
                referral = services.referral_send(
                    young_person=person,
                    user=account,
                    membership=membership,
                    session=rng.choice(sessions_by_site[site.pk]),
                    message="Jeune motivé·e, disponible rapidement.",
                )
                referrals += 1
                if referent is None:
                    continue
                if n % 3 >= 1:
                    referral = services.referral_transition(
                        referral=referral, action="acknowledge", user=referent.user, membership=referent
                    )
                if n % 3 == 2:
                    meeting = timezone.now() + datetime.timedelta(days=7 + n)
                    services.referral_transition(
                        referral=referral,
                        action="plan_meeting",
                        user=referent.user,
                        membership=referent,
                        meeting_at=meeting.replace(minute=0, second=0, microsecond=0),
                        meeting_place="Accueil du centre",
                    )
                    services.referral_message_post(
                        referral=referral,
                        user=referent.user,
                        membership=referent,
                        body="À bientôt au centre.",
                    )

    User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).update(password=make_password(PASSWORD))
    tokens = []
    for code in used_ml_codes[:API_TOKENS]:
        organisation = MissionLocale.objects.get(code=code)
        tokens.append(api_token_create(organisation=organisation, name="Banc de charge")[1])
    return {
        "password": PASSWORD,
        "counsellors": counsellor_emails,
        "referents": referent_emails,
        "tokens": tokens,
        "added": {
            "counsellors": counsellors,
            "referents": referents,
            "sites_with_open_sessions": len(sites),
            "missions_locales": len(used_ml_codes),
            "young_people": people,
            "referrals": referrals,
        },
    }


def sizes() -> dict:
    from tremplin.accounts.models import User
    from tremplin.catalog.models import Training, TrainingSession
    from tremplin.referrals.models import Referral, ReferralEvent, ReferralMessage
    from tremplin.youth.models import YoungPerson

    return {
        "users": User.objects.count(),
        "trainings": Training.objects.count(),
        "sessions": TrainingSession.objects.count(),
        "young_people": YoungPerson.objects.count(),
        "referrals": Referral.objects.count(),
        "referral_events": ReferralEvent.objects.count(),
        "referral_messages": ReferralMessage.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--counsellors", type=int, default=160)
    parser.add_argument("--referents", type=int, default=40)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("load_seed: DATABASE_URL must point at PostgreSQL (run under bin/with-postgres)")
    create_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
    demo = time.perf_counter() - started
    result = seed(counsellors=args.counsellors, referents=args.referents, rng=random.Random(20250609))
    result["sizes"] = sizes()
    result["seconds"] = {"demo": round(demo, 1), "total": round(time.perf_counter() - started, 1)}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
