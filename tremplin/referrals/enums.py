"""Statuses, actions and coded reasons of a referral (DESIGN.md §6). Labels are what people read."""

from django.db import models


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Envoyée"
    ACKNOWLEDGED = "acknowledged", "Prise en charge"
    MEETING_PLANNED = "meeting_planned", "Entretien planifié"
    ADMITTED = "admitted", "Admission prononcée"
    ENROLLED = "enrolled", "Entrée en formation"
    COMPLETED = "completed", "Formation terminée"
    DROPPED_OUT = "dropped_out", "Abandon en cours de formation"
    REFUSED = "refused", "Refusée"
    WITHDRAWN = "withdrawn", "Retirée"
    EXPIRED = "expired", "Expirée sans réponse"


# Named groups of statuses. "Active": a decision is still to come (the Cnam acts, or the ML may
# withdraw). "Awaiting the Cnam": the Cnam side owes the next step; deadlines run only there.
ACTIVE_STATUSES = frozenset(
    {
        ReferralStatus.SENT,
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.MEETING_PLANNED,
        ReferralStatus.ADMITTED,
    }
)
# Not final: the person holds a place in the referral's session or site (no second referral to it).
OPEN_STATUSES = ACTIVE_STATUSES | {ReferralStatus.ENROLLED}
FINAL_STATUSES = frozenset(set(ReferralStatus) - OPEN_STATUSES)
AWAITING_CNAM_STATUSES = frozenset(
    {ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED, ReferralStatus.MEETING_PLANNED}
)
# Endings that leave the young person without a solution: the ML may redirect them elsewhere.
REDIRECTABLE_STATUSES = ACTIVE_STATUSES | {
    ReferralStatus.REFUSED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.EXPIRED,
}

# DSFR badge colour per status, for the lists and the referral page.
STATUS_BADGES = {
    ReferralStatus.SENT: "new",
    ReferralStatus.ACKNOWLEDGED: "info",
    ReferralStatus.MEETING_PLANNED: "info",
    ReferralStatus.ADMITTED: "success",
    ReferralStatus.ENROLLED: "success",
    ReferralStatus.COMPLETED: "success",
    ReferralStatus.DROPPED_OUT: "warning",
    ReferralStatus.REFUSED: "error",
    ReferralStatus.WITHDRAWN: "",
    ReferralStatus.EXPIRED: "warning",
}


class Side(models.TextChoices):
    """Who acts: the counsellor's mission locale, the Cnam, the platform itself, or the young person
    through their signed link."""

    ML = "ml", "Mission locale"
    CNAM = "cnam", "Cnam"
    SYSTEM = "system", "Tremplin (automatique)"
    YOUNG_PERSON = "young_person", "Le ou la jeune"


class Action(models.TextChoices):
    """Everything that can happen to a referral. The transitions (the first nine) are the names
    the REST API exposes; the others are notable actions written in the timeline."""

    ACKNOWLEDGE = "acknowledge", "Prendre en charge"
    PLAN_MEETING = "plan_meeting", "Planifier un entretien"
    ADMIT = "admit", "Admettre"
    REFUSE = "refuse", "Refuser"
    ENROLL = "enroll", "Enregistrer l'entrée en formation"
    COMPLETE = "complete", "Enregistrer la fin de formation"
    DROP_OUT = "drop_out", "Enregistrer un abandon"
    WITHDRAW = "withdraw", "Retirer l'orientation"
    EXPIRE = "expire", "Clore faute de réponse"
    # Not transitions:
    SEND = "send", "Orientation envoyée"
    REDIRECT = "redirect", "Réorientation"
    REMIND = "remind", "Relance du centre"
    ESCALATE = "escalate", "Signalement au centre régional"
    CONFIRM_INTEREST = "confirm_interest", "Intérêt confirmé par le ou la jeune"
    LINK_SENT = "link_sent", "Lien envoyé au ou à la jeune"


class RefusalReason(models.TextChoices):
    LEVEL = "level", "Niveau insuffisant"
    PREREQUISITES = "prerequisites", "Prérequis non remplis"
    SESSION_FULL = "session_full", "Session complète"
    NO_SHOW = "no_show", "Absence à l'entretien"
    NOT_REACHABLE = "not_reachable", "Personne injoignable"
    OTHER = "other", "Autre motif (à préciser)"


class WithdrawalReason(models.TextChoices):
    OTHER_SOLUTION = "other_solution", "Autre solution trouvée (emploi, autre formation…)"
    NO_LONGER_INTERESTED = "no_longer_interested", "Ne souhaite plus suivre cette formation"
    NOT_REACHABLE = "not_reachable", "Personne injoignable"
    MISTAKE = "mistake", "Orientation envoyée par erreur"
    REDIRECTED = "redirected", "Réorientée vers une autre session ou un autre centre"
    OTHER = "other", "Autre motif (à préciser)"


class CompletionOutcome(models.TextChoices):
    CERTIFIED = "certified", "Certification obtenue"
    PARTIAL = "partial", "Certification partielle (blocs de compétences)"
    NOT_CERTIFIED = "not_certified", "Sans certification"


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "À chaque événement"
    DAILY = "daily", "Un récapitulatif par jour"
