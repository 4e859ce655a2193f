from django.db import models

from tremplin.network.enums import OrganisationKind


class Role(models.TextChoices):
    COUNSELLOR = "counsellor", "Conseiller·ère"
    ML_MANAGER = "ml_manager", "Responsable de mission locale"
    CNAM_REFERENT = "cnam_referent", "Référent·e Cnam"
    CNAM_REGIONAL = "cnam_regional", "Administrateur·rice régional·e Cnam"
    STEERING = "steering", "Pilotage"


# Which roles make sense in which kind of organisation.
ROLES_BY_ORGANISATION_KIND = {
    OrganisationKind.MISSION_LOCALE: {Role.COUNSELLOR, Role.ML_MANAGER},
    OrganisationKind.CNAM_SITE: {Role.CNAM_REFERENT},
    OrganisationKind.CNAM_REGIONAL_CENTRE: {Role.CNAM_REFERENT, Role.CNAM_REGIONAL},
    OrganisationKind.STEERING_BODY: {Role.STEERING},
}

ML_ROLES = {Role.COUNSELLOR, Role.ML_MANAGER}
CNAM_ROLES = {Role.CNAM_REFERENT, Role.CNAM_REGIONAL}
