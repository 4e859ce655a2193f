from django.db import models


class Programme(models.TextChoices):
    """The State programme the young person follows at the mission locale."""

    CEJ = "cej", "Contrat d'engagement jeune (CEJ)"
    PACEA = "pacea", "Parcours contractualisé (PACEA)"
    NONE = "none", "Aucun"


class AccessAction(models.TextChoices):
    VIEW = "view", "consultation de la fiche"
    EDIT = "edit", "ouverture du formulaire de modification"
    EXPORT = "export", "export de toutes ses données"
    ERASE = "erase", "effacement de ses données à sa demande"
    PURGE = "purge", "anonymisation automatique (durée de conservation)"


class AnonymisationReason(models.TextChoices):
    """Why a record was anonymised (see tremplin.youth.anonymisation)."""

    INACTIVITY = "inactivity", "Aucune activité pendant la durée de conservation"
    AGE = "age", "Âge limite de conservation atteint"
    REQUEST = "request", "Effacement demandé par la personne"


# Ages at which missions locales accompany young people (inclusive); up to 29 with an RQTH.
MIN_AGE = 16
MAX_AGE = 25
MAX_AGE_RQTH = 29


class Scope(models.TextChoices):
    """Which young people the list shows."""

    MINE = "mine", "Mes jeunes"
    MISSION_LOCALE = "ml", "Toute ma mission locale"
