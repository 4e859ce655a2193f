from django.db import models


class OrganisationKind(models.TextChoices):
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CNAM_REGIONAL_CENTRE = "cnam_regional_centre", "Centre régional du Cnam"
    CNAM_SITE = "cnam_site", "Centre Cnam d'enseignement"
    STEERING_BODY = "steering_body", "Instance de pilotage"


class CnamSiteKind(models.TextChoices):
    REGIONAL_CENTRE = "regional_centre", "Centre régional"
    SITE = "site", "Centre d'enseignement"


class SteeringScope(models.TextChoices):
    NATIONAL = "national", "Nationale"
    REGIONAL = "regional", "Régionale"
