"""Demo step "Chiffres de démonstration": enough referrals across France for the steering dashboards,
maps and exports to show something (the referrals demo tells eight detailed stories in one mission
locale, which the masking of small counts would hide almost entirely).

Some 6,000 referrals over the last 24 months, from young people followed by every mission locale
(living in its département, drawn in proportion to population) to one of the three nearest Cnam
sites, each carried to a plausible step. They are labelled as demo data (the young people's
addresses end with ``@stats.demo.tremplin.fr``) and none is visible individually to a demo account:
the demo accounts' mission locale and the demo regional centre's sites are left out, so their lists
keep the referrals demo's stories only. The step then refreshes the pre-aggregated figures.
Runs again safely: the generation happens once, the refresh every time."""

import datetime
import itertools
import random

import numpy as np
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership
from tremplin.catalog.models import TrainingSession
from tremplin.demo.steps import DEMO_EMAIL_DOMAIN
from tremplin.network.models import CnamSite, MissionLocale
from tremplin.referrals.enums import OPEN_STATUSES
from tremplin.referrals.models import Referral
from tremplin.stats.reach import unit_vectors
from tremplin.stats.services import aggregates_refresh
from tremplin.territories.enums import CommuneKind
from tremplin.territories.models import Commune
from tremplin.youth.enums import Programme
from tremplin.youth.models import YoungPerson
from tremplin.youth.names import name_key

STATS_DEMO_DOMAIN = "stats.demo.tremplin.fr"
YOUNG_PEOPLE = 4_000
REFERRALS = 6_000
MONTHS = 24
FIRST_NAMES = ["Léa", "Lucas", "Inès", "Hugo", "Jade", "Nathan", "Chloé", "Yanis", "Manon", "Adam", "Sarah", "Enzo",
               "Lina", "Noé", "Camille", "Rayan", "Louise", "Théo", "Maëlys", "Sacha"]  # fmt: skip
LAST_NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
              "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard"]  # fmt: skip
LEVELS = [2] * 20 + [3] * 25 + [4] * 40 + [5] * 12 + [6] * 3
PROGRAMMES = [Programme.CEJ] * 35 + [Programme.PACEA] * 25 + [Programme.NONE] * 40
OPEN_VALUES = {status.value for status in OPEN_STATUSES}


def load(*, stdout) -> None:
    """Chiffres de démonstration"""
    if YoungPerson.objects.filter(email__endswith="@" + STATS_DEMO_DOMAIN).exists():
        stdout.write("Orientations de démonstration des tableaux de bord déjà présentes.")
    else:
        created = generate(random.Random(20210609), timezone.now())
        stdout.write(f"{created} orientations de démonstration créées pour les tableaux de bord.")
    refresh = aggregates_refresh()
    stdout.write(f"Agrégats actualisés : {refresh.referrals} orientations, {refresh.cells} agrégats.")


def _excluded() -> tuple[set[int], set[int]]:
    """The demo accounts' missions locales, and the sites of the demo Cnam accounts' regional centres."""
    memberships = Membership.objects.filter(user__email__endswith="@" + DEMO_EMAIL_DOMAIN).values_list(
        "organisation_id", "role"
    )
    missions_locales = {org for org, role in memberships if role in (Role.COUNSELLOR, Role.ML_MANAGER)}
    cnam = {org for org, role in memberships if role in (Role.CNAM_REFERENT, Role.CNAM_REGIONAL)}
    centres = set(CnamSite.objects.filter(pk__in=cnam).values_list("parent_id", flat=True)) | cnam
    sites = set(CnamSite.objects.filter(pk__in=centres).values_list("pk", flat=True))
    sites |= set(CnamSite.objects.filter(parent_id__in=centres).values_list("pk", flat=True))
    return missions_locales, sites


@transaction.atomic
def generate(rng: random.Random, now: datetime.datetime) -> int:
    excluded_mls, excluded_sites = _excluded()
    sites = [
        row
        for row in CnamSite.objects.filter(commune__latitude__isnull=False).values_list(
            "pk", "commune__latitude", "commune__longitude"
        )
        if row[0] not in excluded_sites
    ]
    if not sites:
        return 0
    communes: dict[str, tuple[list, list]] = {}
    positions = {}
    for code, department, population, latitude, longitude in Commune.objects.filter(
        kind=CommuneKind.COMMUNE, latitude__isnull=False
    ).values_list("insee_code", "department_id", "population", "latitude", "longitude"):
        codes, weights = communes.setdefault(department, ([], []))
        codes.append(code)
        weights.append(max(population, 1))
        positions[code] = (latitude, longitude)
    missions_locales = [
        (pk, department)
        for pk, department in MissionLocale.objects.exclude(pk__in=excluded_mls).values_list(
            "pk", "department_id"
        )
        if department in communes
    ]
    if not missions_locales:
        return 0
    per_department = {}
    for _, department in missions_locales:
        per_department[department] = per_department.get(department, 0) + 1
    ml_cumulative = list(
        itertools.accumulate(sum(communes[d][1]) / per_department[d] for _, d in missions_locales)
    )
    commune_cumulative = {d: list(itertools.accumulate(w)) for d, (_, w) in communes.items()}
    today = timezone.localdate(now)
    people = []
    for i in range(YOUNG_PEOPLE):
        ml, department = rng.choices(missions_locales, cum_weights=ml_cumulative)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        level = rng.choice(LEVELS)
        people.append(
            YoungPerson(
                first_name=first,
                last_name=last,
                search_name=name_key(first, last),
                email=f"jeune{i}@{STATS_DEMO_DOMAIN}",
                birth_date=today - datetime.timedelta(days=rng.randint(16 * 365 + 200, 25 * 365)),
                home_commune_id=rng.choices(
                    communes[department][0], cum_weights=commune_cumulative[department]
                )[0],
                education_level=level,
                has_bac=level >= 4 and rng.random() < 0.95,
                programme=rng.choice(PROGRAMMES),
                mission_locale_id=ml,
                consent_given_at=now - datetime.timedelta(days=MONTHS * 31),
                consent_purpose="Orientation vers le Cnam (démonstration)",
            )
        )
    YoungPerson.objects.bulk_create(people, batch_size=1000)
    people = list(
        YoungPerson.objects.filter(email__endswith="@" + STATS_DEMO_DOMAIN).values_list(
            "pk", "mission_locale_id", "home_commune_id"
        )
    )
    site_ids = [s[0] for s in sites]
    site_vectors = unit_vectors([s[1] for s in sites], [s[2] for s in sites])
    homes = sorted({home for _, _, home in people})
    scores = unit_vectors([positions[h][0] for h in homes], [positions[h][1] for h in homes]) @ site_vectors.T
    nearest3 = {
        home: [site_ids[k] for k in row]
        for home, row in zip(homes, np.argsort(-scores, axis=1)[:, :3], strict=True)
    }
    sessions: dict[int, list[int]] = {}
    for pk, site in TrainingSession.objects.filter(action__cnam_site_id__in=site_ids).values_list(
        "pk", "action__cnam_site_id"
    ):
        sessions.setdefault(site, []).append(pk)
    first_day = now - datetime.timedelta(days=MONTHS * 30.4)
    span = (now - first_day).total_seconds()
    open_keys = set()
    referrals = []
    for _ in range(REFERRALS):
        person, ml, home = rng.choice(people)
        site = rng.choice(nearest3[home])
        session = rng.choice(sessions[site]) if sessions.get(site) and rng.random() < 0.8 else None
        sent = first_day + datetime.timedelta(seconds=rng.random() * span)
        steps = lifecycle(rng, sent, now)
        if steps["status"] in OPEN_VALUES:
            # One open referral per person and session (or site): a second one is closed as a mistake.
            key = (person, session, site if session is None else None)
            if key in open_keys:
                steps = {
                    "status": "withdrawn",
                    "ended_at": sent + datetime.timedelta(hours=1),
                    "withdrawal_reason": "mistake",
                }
            open_keys.add(key)
        referrals.append(
            Referral(
                young_person_id=person,
                mission_locale_id=ml,
                site_id=site,
                session_id=session,
                sent_at=sent,
                status_changed_at=max(
                    [v for v in steps.values() if isinstance(v, datetime.datetime)] + [sent]
                ),
                **steps,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=1000)
    return len(referrals)


def _after(rng: random.Random, mean_days: float) -> datetime.timedelta:
    return datetime.timedelta(days=rng.expovariate(1 / mean_days), hours=rng.randint(0, 8))


def lifecycle(rng: random.Random, sent: datetime.datetime, now: datetime.datetime) -> dict:
    """The status a referral sent at ``sent`` has reached by ``now``, with its step dates: each step
    happens with a probability after a random delay (about 3 days to the acknowledgement, a week to
    the meeting, a month to the entry, 4 to 10 months of training)."""
    t = sent
    if rng.random() < 0.06:
        t += datetime.timedelta(days=30)
        return {"status": "expired", "ended_at": t} if t < now else {"status": "sent"}
    if rng.random() < 0.05:
        t += _after(rng, 4)
        return (
            {"status": "withdrawn", "ended_at": t, "withdrawal_reason": "other_solution"}
            if t < now
            else {"status": "sent"}
        )
    t += _after(rng, 3)
    if t >= now:
        return {"status": "sent"}
    steps = {"status": "acknowledged", "acknowledged_at": t}
    if rng.random() < 0.10:
        t += _after(rng, 5)
        reason = rng.choice(["level", "prerequisites", "session_full", "other"])
        return (
            {**steps, "status": "refused", "decided_at": t, "ended_at": t, "refusal_reason": reason}
            if t < now
            else steps
        )
    if rng.random() < 0.8:
        planned = t + _after(rng, 2)
        if planned >= now:
            return steps
        t = planned + _after(rng, 8)
        steps.update(status="meeting_planned", meeting_planned_at=planned, meeting_at=t)
        if t >= now:
            return steps
        if rng.random() < 0.15:
            end = t + datetime.timedelta(hours=2)
            reason = rng.choice(["no_show", "level", "not_reachable"])
            return {
                **steps,
                "status": "refused",
                "decided_at": end,
                "ended_at": end,
                "refusal_reason": reason,
            }
    t += _after(rng, 4)
    if t >= now:
        return steps
    steps.update(status="admitted", decided_at=t)
    if rng.random() < 0.12:
        t += _after(rng, 10)
        reason = rng.choice(["other_solution", "no_longer_interested"])
        return (
            {**steps, "status": "withdrawn", "ended_at": t, "withdrawal_reason": reason} if t < now else steps
        )
    t += _after(rng, 30)
    if t >= now:
        return steps
    steps.update(status="enrolled", enrolled_at=t, entry_date=timezone.localdate(t))
    t += datetime.timedelta(days=rng.randint(120, 300))
    if t >= now:
        return steps
    if rng.random() < 0.2:
        return {**steps, "status": "dropped_out", "ended_at": t}
    outcome = rng.choice(["certified", "certified", "partial", "not_certified"])
    return {**steps, "status": "completed", "ended_at": t, "outcome": outcome}
