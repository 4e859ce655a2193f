"""Demo step "Orientations de démonstration": a few young people of the demo counsellor's mission
locale, referred to the demo referent's Cnam site (or its region's sites) and carried to different
steps, with a plausible past. Written through the services, so the timelines are real; no email is
sent. Runs again safely: a demo person who already has a referral is left as is."""

import dataclasses
import datetime
import unicodedata

from django.db import transaction
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership
from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import TrainingSession
from tremplin.demo.steps import DEMO_EMAIL_DOMAIN
from tremplin.network.models import CnamSite, MissionLocale
from tremplin.referrals import clock, notifications, services
from tremplin.youth import services as youth_services
from tremplin.youth.models import YoungPerson

DAY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Story:
    first_name: str
    last_name: str
    age: int
    level: int
    has_bac: bool
    sent_days_ago: int
    steps: tuple  # (days ago, action, data) — data may use "meeting_in_days"
    message: str = ""
    positioning: bool = False


STORIES = [
    Story(
        "Léa",
        "Moreau",
        19,
        QualificationLevel.LEVEL_4,
        True,
        1,
        (),
        "Très motivée, disponible dès maintenant.",
    ),
    Story(
        "Yanis",
        "Bensaïd",
        22,
        QualificationLevel.LEVEL_4,
        True,
        12,
        (),
        "Souhaite une formation en alternance.",
    ),
    Story(
        "Inès",
        "Garcia",
        20,
        QualificationLevel.LEVEL_4,
        True,
        6,
        (
            (5, "acknowledge", {}),
            (4, "plan_meeting", {"meeting_in_days": 7, "meeting_place": "Accueil du centre"}),
        ),
    ),
    Story(
        "Noah",
        "Lefèvre",
        21,
        QualificationLevel.LEVEL_5,
        True,
        20,
        (
            (18, "acknowledge", {}),
            (15, "plan_meeting", {"meeting_in_days": 4, "meeting_place": "Salle 2"}),
            (10, "admit", {}),
        ),
    ),
    Story(
        "Chloé",
        "Petitjean",
        23,
        QualificationLevel.LEVEL_4,
        True,
        70,
        (
            (68, "acknowledge", {}),
            (65, "plan_meeting", {"meeting_in_days": 5, "meeting_url": "https://visio.cnam.fr/demo"}),
            (58, "admit", {}),
            (40, "enroll", {}),
        ),
    ),
    Story(
        "Mathis",
        "Roussel",
        24,
        QualificationLevel.LEVEL_5,
        True,
        320,
        (
            (318, "acknowledge", {}),
            (314, "plan_meeting", {"meeting_in_days": 3, "meeting_place": "Salle 1"}),
            (309, "admit", {}),
            (280, "enroll", {}),
            (15, "complete", {"outcome": "certified"}),
        ),
    ),
    Story(
        "Sarah",
        "Nguyen",
        18,
        QualificationLevel.LEVEL_3,
        False,
        25,
        (
            (23, "acknowledge", {}),
            (21, "refuse", {"reason": "session_full", "detail": "Prochaine session en mars."}),
        ),
    ),
    Story(
        "Emma",
        "Da Silva",
        20,
        QualificationLevel.INFRA_3,
        False,
        3,
        (),
        "Projet à construire : entretien de positionnement.",
        positioning=True,
    ),
]


def load(*, stdout) -> None:
    """Orientations de démonstration"""
    counsellor_membership = _membership("conseiller", Role.COUNSELLOR)
    referent_membership = _membership("referent", Role.CNAM_REFERENT)
    if counsellor_membership is None or referent_membership is None:
        stdout.write(
            "Comptes de démonstration absents : étape ignorée (l'étape des comptes doit passer avant)."
        )
        return
    mission_locale = MissionLocale.objects.select_related("commune").get(
        pk=counsellor_membership.organisation_id
    )
    site = CnamSite.objects.select_related("commune").get(pk=referent_membership.organisation_id)
    sessions = _sessions_for(site)
    created = kept = 0
    now = timezone.now()
    with notifications.muted():
        for index, story in enumerate(STORIES):
            person = _person(story, mission_locale, counsellor_membership)
            if person.referrals.exists():
                kept += 1
                continue
            # Consent recorded the day before the referral, as it would have been.
            YoungPerson.objects.filter(pk=person.pk).update(
                consent_given_at=now - (story.sent_days_ago + 1) * DAY
            )
            session = None if story.positioning or not sessions else sessions[index % len(sessions)]
            _tell(story, person, session, site, counsellor_membership, referent_membership, now)
            created += 1
    where = (
        f"{len(sessions)} session(s) de {site.name}"
        if sessions
        else f"{site.name} (aucune session ouverte : entretiens de positionnement)"
    )
    stdout.write(
        f"{created} orientation(s) de démonstration créée(s), {kept} déjà présente(s) — vers {where}."
    )


def _membership(local_part: str, role: str) -> Membership | None:
    return (
        Membership.objects.active()
        .filter(user__email=f"{local_part}@{DEMO_EMAIL_DOMAIN}", role=role)
        .select_related("user", "organisation")
        .order_by("pk")
        .first()
    )


def _sessions_for(site: CnamSite) -> list[TrainingSession]:
    """Open sessions of the referent's site, else of the other sites of its regional centre."""
    receivable = (
        TrainingSession.objects.receivable().select_related("action__cnam_site").order_by("start_date", "pk")
    )
    sessions = list(receivable.filter(action__cnam_site=site)[:6])
    if not sessions and site.parent_id:
        sessions = list(receivable.filter(action__cnam_site__parent_id=site.parent_id)[:6])
    return sessions


def _person(story: Story, mission_locale: MissionLocale, membership: Membership) -> YoungPerson:
    person = YoungPerson.objects.filter(
        mission_locale=mission_locale, first_name=story.first_name, last_name=story.last_name
    ).first()
    if person is not None:
        return person
    today = timezone.localdate()
    return youth_services.young_person_create(
        mission_locale=mission_locale,
        created_by=membership.user,
        first_name=story.first_name,
        last_name=story.last_name,
        birth_date=today.replace(year=today.year - story.age, day=min(today.day, 28)) - 40 * DAY,
        home_commune=mission_locale.commune,
        education_level=story.level,
        has_bac=story.has_bac,
        email=f"{_ascii(story.first_name)}.{_ascii(story.last_name)}@exemple.{DEMO_EMAIL_DOMAIN}",
        max_travel_km=40,
        distance_learning_ok=True,
        consent=True,
    )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "-")


@transaction.atomic
def _tell(story, person, session, site, ml_membership, cnam_membership, now) -> None:
    with clock.frozen(now - story.sent_days_ago * DAY):
        referral = services.referral_send(
            young_person=person,
            user=ml_membership.user,
            membership=ml_membership,
            session=session,
            site=None if session else site,
            message=story.message,
        )
    for days_ago, action, data in story.steps:
        at = now - days_ago * DAY
        data = dict(data)
        if "meeting_in_days" in data:
            data["meeting_at"] = (at + data.pop("meeting_in_days") * DAY).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
        if action == "enroll":
            data["entry_date"] = timezone.localdate(at)
        with clock.frozen(at):
            referral = services.referral_transition(
                referral=referral,
                action=action,
                user=cnam_membership.user,
                membership=cnam_membership,
                **data,
            )
