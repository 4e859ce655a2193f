"""A small world whose figures are computed by hand in the tests (see ``world``'s docstring)."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from tests.factories import (
    CnamSiteFactory,
    CommuneFactory,
    DepartmentFactory,
    MissionLocaleFactory,
    RegionFactory,
    UserFactory,
)
from tests.youth.factories import YoungPersonFactory
from tremplin.catalog.enums import QualificationLevel, TeachingMode
from tremplin.catalog.models import Certification, Training, TrainingAction, TrainingProvider, TrainingSession
from tremplin.network.enums import CnamSiteKind
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.territories.enums import SizeClass
from tremplin.youth.enums import Programme

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime.datetime:
    """``"2025-01-15 10:00"`` in Paris time, or an ISO string with its own offset."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=PARIS)


def commune(code, name, department, population, latitude, longitude):
    return CommuneFactory(
        insee_code=code,
        name=name,
        search_name=name.lower(),
        department=department,
        population=population,
        size_class=SizeClass.for_population(population),
        latitude=latitude,
        longitude=longitude,
    )


def session(site, *, exit_level=None, certification_level=None, rome="", mode=TeachingMode.ON_SITE, n=0):
    provider, _ = TrainingProvider.objects.get_or_create(
        siret="19753471200017", defaults={"name": "Cnam", "is_cnam": True}
    )
    certification = None
    if certification_level:
        certification = Certification.objects.create(
            code=f"RNCP9{n:04d}", registry="rncp", title="Certification", level=certification_level
        )
    training = Training.objects.create(
        external_id=f"T-stats-{n}",
        provider=provider,
        title=f"Formation {n}",
        rome_codes=rome,
        exit_level=exit_level,
        certification=certification,
    )
    action = TrainingAction.objects.create(
        external_id=f"A-stats-{n}", training=training, teaching_mode=mode, cnam_site=site
    )
    return TrainingSession.objects.create(external_id=f"S-stats-{n}", action=action)


def referral(person, *, site, session=None, status, sent, **steps) -> Referral:
    """A referral written as is (the tests choose every date); ``steps``: the *_at fields and reasons."""
    dates = {key: at(value) if key.endswith("_at") else value for key, value in steps.items()}
    sent_at = at(sent)
    return Referral.objects.create(
        young_person=person,
        session=session,
        site=site,
        mission_locale=person.mission_locale,
        status=status,
        status_changed_at=sent_at,
        sent_at=sent_at,
        **dates,
    )


def world():
    """Three missions locales, three Cnam places, five young people, nine referrals.

    Period January–March 2025 holds R1–R7 and R9 (R8 was sent in December 2024):

    | ref | person | ML       | place              | sent (Paris)     | status     | steps (days after sending)                      |
    |-----|--------|----------|--------------------|------------------|------------|-------------------------------------------------|
    | R1  | P1     | Rodez    | session A (Rodez)  | 15/01 10:00      | completed  | ack 1, meeting 7 (planned 2), admit 8, enrolled  |
    | R2  | P2     | Rodez    | session A          | 20/01 10:00      | refused    | ack 0, refusal 5 (level)                         |
    | R3  | P3     | Toulouse | session B (Tlse)   | 03/02 10:00      | enrolled   | ack 7, meeting 14, admit 17, enrolled            |
    | R4  | P1     | Rodez    | Rodez site, no session | 10/02 10:00  | withdrawn  | other solution                                   |
    | R5  | P4     | Rodez    | session A          | 01/03 00:30      | expired    | —                                                |
    | R6  | P5     | Aurillac | Aurillac centre, no session | 10/03  | withdrawn  | ack 2, meeting 10, admit 15, then withdrawn      |
    | R7  | P2     | Rodez    | session B          | 15/03 10:00      | sent       | —                                                |
    | R8  | P4     | Rodez    | session A          | 10/12/2024       | acknowledged | (outside the period)                           |
    | R9  | P5     | Aurillac | session B          | 20/03 10:00      | refused    | ack 1, admit 4, refused later (session full)     |

    R5 is sent on 28 February at 23:30 UTC: 1 March in Paris, so it counts in March.
    """
    occitanie = RegionFactory(code="76", name="Occitanie")
    aura = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    aveyron = DepartmentFactory(code="12", name="Aveyron", region=occitanie)
    haute_garonne = DepartmentFactory(code="31", name="Haute-Garonne", region=occitanie)
    cantal = DepartmentFactory(code="15", name="Cantal", region=aura)
    rodez = commune("12202", "Rodez", aveyron, 24_000, 44.35, 2.57)
    espalion = commune("12096", "Espalion", aveyron, 4_500, 44.52, 2.76)
    village = commune("12001", "Agen-d'Aveyron", aveyron, 300, 44.34, 2.71)
    toulouse = commune("31555", "Toulouse", haute_garonne, 500_000, 43.60, 1.44)
    aurillac = commune("15014", "Aurillac", cantal, 25_000, 44.93, 2.44)

    ml_rodez = MissionLocaleFactory(code="12202S00", name="Mission locale de Rodez", commune=rodez)
    ml_toulouse = MissionLocaleFactory(code="31555S00", name="Mission locale de Toulouse", commune=toulouse)
    ml_aurillac = MissionLocaleFactory(code="15014S00", name="Mission locale d'Aurillac", commune=aurillac)
    centre_occitanie = CnamSiteFactory(
        code="CNAM-OCC",
        name="Cnam Occitanie",
        site_kind=CnamSiteKind.REGIONAL_CENTRE,
        parent=None,
        commune=toulouse,
    )
    site_rodez = CnamSiteFactory(code="CNAM-RODEZ", name="Cnam Rodez", parent=centre_occitanie, commune=rodez)
    centre_aura = CnamSiteFactory(
        code="CNAM-AURA",
        name="Cnam Auvergne",
        site_kind=CnamSiteKind.REGIONAL_CENTRE,
        parent=None,
        commune=aurillac,
    )
    session_a = session(site_rodez, exit_level=QualificationLevel.LEVEL_5, rome="M1805 M1806", n=1)
    session_b = session(
        centre_occitanie,
        certification_level=QualificationLevel.LEVEL_6,
        rome="D1102",
        mode=TeachingMode.DISTANCE,
        n=2,
    )

    counsellor = UserFactory()

    def person(first, last, birth, level, has_bac, programme, home, ml):
        return YoungPersonFactory(
            first_name=first,
            last_name=last,
            birth_date=datetime.date.fromisoformat(birth),
            education_level=level,
            has_bac=has_bac,
            programme=programme,
            home_commune=home,
            mission_locale=ml,
            counsellor=counsellor,
        )

    p1 = person("Zoé", "Quintard", "2006-05-10", 4, True, Programme.CEJ, rodez, ml_rodez)
    p2 = person("Yanis", "Ferrandou", "2008-02-01", 3, False, Programme.PACEA, espalion, ml_rodez)
    p3 = person("Inès", "Castagnol", "2001-03-01", 5, True, Programme.NONE, toulouse, ml_toulouse)
    p4 = person("Hugo", "Bessièresque", "1998-06-01", 2, False, Programme.CEJ, village, ml_rodez)
    p5 = person("Maëlys", "Vermenouze", "2004-01-20", 4, True, Programme.CEJ, aurillac, ml_aurillac)

    S = ReferralStatus
    r = SimpleNamespace()
    r.r1 = referral(
        p1, site=site_rodez, session=session_a, status=S.COMPLETED, sent="2025-01-15 10:00",
        acknowledged_at="2025-01-16 09:00", meeting_planned_at="2025-01-17 09:00", meeting_at="2025-01-22 14:00",
        decided_at="2025-01-23 11:00", enrolled_at="2025-02-01 09:00", ended_at="2025-06-30 17:00", outcome="certified",
    )  # fmt: skip
    r.r2 = referral(
        p2, site=site_rodez, session=session_a, status=S.REFUSED, sent="2025-01-20 10:00",
        acknowledged_at="2025-01-20 16:00", decided_at="2025-01-25 10:00", ended_at="2025-01-25 10:00",
        refusal_reason="level",
    )  # fmt: skip
    r.r3 = referral(
        p3, site=centre_occitanie, session=session_b, status=S.ENROLLED, sent="2025-02-03 10:00",
        acknowledged_at="2025-02-10 10:00", meeting_planned_at="2025-02-11 10:00", meeting_at="2025-02-17 10:00",
        decided_at="2025-02-20 10:00", enrolled_at="2025-03-01 10:00",
    )  # fmt: skip
    r.r4 = referral(
        p1, site=site_rodez, status=S.WITHDRAWN, sent="2025-02-10 10:00", ended_at="2025-02-12 10:00",
        withdrawal_reason="other_solution",
    )  # fmt: skip
    r.r5 = referral(
        p4, site=site_rodez, session=session_a, status=S.EXPIRED, sent="2025-02-28T23:30:00+00:00",
        ended_at="2025-03-31 10:00",
    )  # fmt: skip
    r.r6 = referral(
        p5, site=centre_aura, status=S.WITHDRAWN, sent="2025-03-10 10:00", acknowledged_at="2025-03-12 10:00",
        meeting_planned_at="2025-03-13 10:00", meeting_at="2025-03-20 10:00", decided_at="2025-03-25 10:00",
        ended_at="2025-04-01 10:00", withdrawal_reason="no_longer_interested",
    )  # fmt: skip
    r.r7 = referral(p2, site=centre_occitanie, session=session_b, status=S.SENT, sent="2025-03-15 10:00")
    r.r8 = referral(
        p4, site=site_rodez, session=session_a, status=S.ACKNOWLEDGED, sent="2024-12-10 10:00",
        acknowledged_at="2024-12-11 10:00",
    )  # fmt: skip
    r.r9 = referral(
        p5, site=centre_occitanie, session=session_b, status=S.REFUSED, sent="2025-03-20 10:00",
        acknowledged_at="2025-03-21 10:00", decided_at="2025-03-24 10:00", ended_at="2025-04-02 10:00",
        refusal_reason="session_full",
    )  # fmt: skip
    return SimpleNamespace(
        regions=SimpleNamespace(occitanie=occitanie, aura=aura),
        communes=SimpleNamespace(
            rodez=rodez, espalion=espalion, village=village, toulouse=toulouse, aurillac=aurillac
        ),
        ml=SimpleNamespace(rodez=ml_rodez, toulouse=ml_toulouse, aurillac=ml_aurillac),
        sites=SimpleNamespace(occitanie=centre_occitanie, rodez=site_rodez, aura=centre_aura),
        people=[p1, p2, p3, p4, p5],
        referrals=r,
    )
