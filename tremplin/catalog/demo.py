"""The demo offer: real certifications of the Cnam, trainings at the demo Cnam sites, sessions over
the coming year, a share of them in distance learning. Everything is labelled as demo data (demo
providers, demo sites). ``load`` can run again: rows are updated in place, never duplicated."""

import datetime
import random
import zlib
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tremplin.catalog import rncp, rome
from tremplin.catalog.enums import (
    CertificationRegistry,
    QualificationLevel,
    RegistrationState,
    ScheduleType,
    TeachingMode,
)
from tremplin.catalog.models import (
    Certification,
    RomeFiche,
    Training,
    TrainingAction,
    TrainingProvider,
    TrainingSession,
)
from tremplin.catalog.services import catalog_changed
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite
from tremplin.utils.importing import ImportReport

L4, L5, L6, L7 = (QualificationLevel(n) for n in (4, 5, 6, 7))

# Certifications of the Cnam as registered in the RNCP (extract of 2021): code, title, level, ROME codes.
CNAM_CERTIFICATIONS = [
    ("RNCP28754", "Technicien(ne) développeur(euse)", L5, "M1805 M1810"),
    ("RNCP32018", "Assistant de gestion", L5, "D1401 M1203 M1501 M1604 M1605"),
    ("RNCP26779", "Assistant(e) en santé sécurité au travail", L5, "F1204 H1302 H1303"),
    ("RNCP11926", "Formateur de l'alternance", L5, "K2109 K2111"),
    ("RNCP15162", "Projeteur d'études bâtiment et travaux publics", L5, "F1103 F1104 F1106"),
    ("RNCP2144", "Responsable comptable", L6, "M1202 M1203 M1204 M1205 M1206"),
    ("RNCP2145", "Responsable en gestion", L6, "K1403 M1205 M1301 M1302"),
    ("RNCP15253", "Concepteur en architecture informatique", L6, "M1801 M1805"),
    ("RNCP28177", "Responsable associatif", L6, "K1206 K1302 K1403 K1802"),
    (
        "RNCP29968",
        "Licence professionnelle Métiers des réseaux informatiques et télécommunications",
        L6,
        "M1801 M1802 M1804 M1806 M1810",
    ),
    (
        "RNCP29988",
        "Licence professionnelle Logistique et pilotage des flux",
        L6,
        "H1401 H1403 M1101 N1301 N1303",
    ),
    (
        "RNCP30106",
        "Licence professionnelle Métiers de la gestion et de la comptabilité : comptabilité et paie",
        L6,
        "M1203 M1501 M1605",
    ),
    (
        "RNCP18243",
        "Ingénieur diplômé du Conservatoire national des arts et métiers, spécialité Informatique",
        L7,
        "M1803 M1804 M1805 M1806",
    ),
    ("RNCP34028", "Master Management", L7, "D1406 M1204 M1503 M1704 N1301"),
]

# Courses without a certification, open to young people without the baccalauréat.
OPEN_COURSES = [
    (
        "Remise à niveau en français et mathématiques",
        "",
        "Préparer l'entrée dans une formation diplômante du Cnam.",
    ),
    (
        "Découverte des métiers du numérique",
        "M1805 M1810 I1401",
        "Découvrir les métiers du numérique et bâtir son projet.",
    ),
    (
        "Outils bureautiques et numériques",
        "M1607 M1602",
        "Maîtriser les outils bureautiques utilisés en entreprise.",
    ),
]

# Entry rules: level required for each level of certification, and the age from which the Cnam's
# VAPP (validation des acquis pour l'accès) opens the course without it.
ENTRY = {L5: (L4, 20), L6: (L5, 20), L7: (L6, None)}
HOURS = {L5: 650, L6: 800, L7: 1200}
MODES = [TeachingMode.ON_SITE] * 5 + [TeachingMode.BLENDED] * 2 + [TeachingMode.DISTANCE] * 2
SCHEDULES = {
    ScheduleType.EVENING: "Cours du soir, deux soirs par semaine",
    ScheduleType.WEEKEND: "Le samedi",
    ScheduleType.DAY: "En journée, à temps plein",
    ScheduleType.MIXED: "Cours du soir et le samedi",
}


def load(*, stdout) -> None:
    """Offre de formation de démonstration

    Create or update the demo offer at the demo Cnam sites (the first line above is the title that
    ``load_demo`` prints)."""
    sites = list(CnamSite.objects.filter(is_demo=True).select_related("commune", "parent").order_by("code"))
    if not sites:
        stdout.write("Offre de démonstration : aucun centre Cnam de démonstration, rien à créer.")
        return
    with transaction.atomic():
        _load_referentials(stdout)
        certifications = _certifications()
        counts = _offer(sites, certifications)
        catalog_changed()
    stdout.write(
        f"Offre de démonstration : {counts['trainings']} formations, {counts['actions']} actions, "
        f"{counts['sessions']} sessions dans {len(sites)} centres Cnam de démonstration."
    )


def _load_referentials(stdout) -> None:
    """The ROME and the Cnam's RNCP certifications from the shared reference data, when present."""
    data = settings.SHARED_DATA_DIR
    rome_dir = data / "rome"
    if not RomeFiche.objects.exists() and rome_dir.is_dir():
        importer = rome.RomeImport(ImportReport())
        for path in rome.files_in_order(rome_dir):
            importer.read(path)
        if not importer.report.errors:
            importer.write()
            stdout.write("Référentiel ROME chargé depuis les données partagées.")
    cnam_extract = data / "rncp" / "cnam_rncp_fiches_derived_2021.csv"
    if cnam_extract.is_file() and Certification.objects.filter(is_cnam=True).count() < 100:
        importer = rncp.RncpImport(ImportReport())
        for kind, path, rows in importer.files([cnam_extract]):
            importer.read(kind, path, rows)
        if not importer.report.errors:
            importer.write()
            stdout.write("Certifications du Cnam chargées depuis l'extrait RNCP.")


def _certifications() -> dict[str, Certification]:
    found = {}
    for code, title, level, rome_codes in CNAM_CERTIFICATIONS:
        certification, _ = Certification.objects.get_or_create(
            code=code,
            defaults={
                "registry": CertificationRegistry.RNCP,
                "title": title,
                "level": level,
                "rome_codes": rome_codes,
                "is_cnam": True,
                "certifiers": [{"name": "Conservatoire national des arts et métiers (CNAM)", "siret": ""}],
            },
        )
        found[code] = certification
    return found


def _provider(centre: CnamSite) -> TrainingProvider:
    """The demo provider of a regional centre. Its SIRET (starting 99999, which INSEE never gives) is
    derived from the centre's code, so that it is the same at every run."""
    provider, _ = TrainingProvider.objects.update_or_create(
        siret=f"99999{zlib.crc32(centre.code.encode()) % 10**9:09d}",
        defaults={
            "name": f"{centre.name} (démo)",
            "legal_name": f"Association de gestion du {centre.name} (démonstration)",
            "address": centre.address,
            "postal_code": centre.commune.postal_code_list[0] if centre.commune.postal_codes else "",
            "city": centre.commune.name,
            "email": centre.email,
            "phone": centre.phone,
            "is_cnam": True,
            "is_demo": True,
        },
    )
    return provider


def _offer(sites: list[CnamSite], certifications: dict[str, Certification]) -> Counter:
    today = timezone.localdate()
    counts = Counter()
    providers: dict[int, TrainingProvider] = {}
    for site in sites:
        rng = random.Random(site.code)
        centre = site.regional_centre or site
        if centre.pk not in providers:
            providers[centre.pk] = _provider(centre)
        # Regional centres teach a little more than small sites.
        k = 3 if site.site_kind == CnamSiteKind.SITE else 4
        courses = rng.sample(range(len(CNAM_CERTIFICATIONS) + len(OPEN_COURSES)), k=k)
        for number, course in enumerate(sorted(courses)):
            training = _training(site, number, course, providers[centre.pk], certifications)
            action = _action(site, training, number, rng.choice(MODES), rng)
            counts["trainings"] += 1
            counts["actions"] += 1
            counts["sessions"] += _sessions(action, today, rng)
    return counts


def _training(site, number, course, provider, certifications) -> Training:
    if course < len(CNAM_CERTIFICATIONS):
        code, title, level, rome_codes = CNAM_CERTIFICATIONS[course]
        certification = certifications[code]
        entry_level, vapp_age = ENTRY[level]
        values = {
            "title": title,
            "objectives": (
                f"Obtenir la certification « {certification.title} » ({code}, {level.label.lower()}) et "
                "exercer les métiers auxquels elle prépare."
            ),
            "expected_results": f"Certification {code} enregistrée au RNCP.",
            "content": "Unités d'enseignement du Cnam, projet professionnel et expérience en entreprise.",
            "is_certifying": True,
            "certification": certification,
            "certification_codes": code,
            "rome_codes": rome_codes,
            "entry_level": entry_level,
            "entry_level_required": True,
            "min_age_without_level": vapp_age,
            "exit_level": level,
            "prerequisites": (
                f"{entry_level.label} ; sans ce niveau, entrée possible à partir de {vapp_age} ans par la "
                "validation des acquis pour l'accès (VAPP)."
                if vapp_age
                else f"{entry_level.label}."
            ),
            "general_objective": "6",
        }
    else:
        title, rome_codes, objectives = OPEN_COURSES[course - len(CNAM_CERTIFICATIONS)]
        values = {
            "title": title,
            "objectives": objectives,
            "expected_results": "Attestation de suivi.",
            "content": "Ateliers en petits groupes, accompagnement individuel.",
            "is_certifying": False,
            "certification": None,
            "certification_codes": "",
            "rome_codes": rome_codes,
            "entry_level": None,
            "entry_level_required": False,
            "min_age_without_level": None,
            "exit_level": None,
            "prerequisites": "Aucun diplôme requis.",
            "general_objective": "5",
        }
    values.update(
        provider=provider,
        contact_name=f"Accueil {site.name}",
        contact_email=site.email,
        contact_phone=site.phone,
        updated_at=timezone.now(),
    )
    training, _ = Training.objects.update_or_create(external_id=f"demo-{site.code}-{number}", defaults=values)
    return training


def _action(site, training, number, mode, rng) -> TrainingAction:
    commune = site.commune
    schedule = rng.choice(list(SCHEDULES))
    hours = HOURS.get(training.exit_level, 120)
    action, _ = TrainingAction.objects.update_or_create(
        external_id=f"demo-{site.code}-{number}-a",
        defaults={
            "training": training,
            "teaching_mode": mode,
            "schedule": schedule,
            "rhythm": SCHEDULES[schedule],
            "public_codes": "80024 80025",
            "public_info": "Jeunes de 16 à 25 ans accompagnés par une mission locale, demandeurs d'emploi",
            "fees_covered": True,
            "place_name": site.name,
            "address": site.address,
            "postal_code": commune.postal_code_list[0] if commune.postal_codes else "",
            "city": commune.name,
            "commune": commune,
            "latitude": commune.latitude,
            "longitude": commune.longitude,
            "cnam_site": site,
            "hours_total": hours,
            "hours_centre": hours,
            "price": Decimal(hours * 6),
            "funders": "2 4 16",
            "registration_info": "Réunion d'information, puis entretien avec le responsable de la formation.",
            "updated_at": timezone.now(),
        },
    )
    return action


def _sessions(action, today: datetime.date, rng) -> int:
    """One or two sessions in the coming year; some with permanent entry, a few closed or full."""
    permanent = action.teaching_mode == TeachingMode.DISTANCE and rng.random() < 0.5
    count = 1 if permanent else rng.choice([1, 2, 2])
    first_start = today + datetime.timedelta(days=rng.randint(14, 200))
    for index in range(count):
        start = first_start + datetime.timedelta(days=index * 150)
        state = rng.choices(
            [RegistrationState.OPEN, RegistrationState.CLOSED, RegistrationState.SUSPENDED], weights=[8, 1, 1]
        )[0]
        places = rng.choice([None, 0, 4, 8, 12, 15, 20]) if state == RegistrationState.OPEN else 0
        TrainingSession.objects.update_or_create(
            external_id=f"{action.external_id}-s{index}",
            defaults={
                "action": action,
                "start_date": today - datetime.timedelta(days=30) if permanent else start,
                "end_date": start + datetime.timedelta(days=300),
                "permanent_entry": permanent,
                "registration_state": state,
                "places_available": places,
                "registration_address": action.address,
                "registration_postal_code": action.postal_code,
                "registration_city": action.city,
                "updated_at": timezone.now(),
            },
        )
    return count
