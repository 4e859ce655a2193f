"""Codes of the training offer, with their French labels and the mappings from the codes that
imported files use (old qualification levels, LHEO dictionaries)."""

from django.db import models


class QualificationLevel(models.IntegerChoices):
    """The 2019 national nomenclature of qualification levels (décret 2019-14), plus "infra 3"."""

    INFRA_3 = 2, "Infra 3 (sans diplôme)"
    LEVEL_3 = 3, "Niveau 3 (CAP, BEP)"
    LEVEL_4 = 4, "Niveau 4 (baccalauréat)"
    LEVEL_5 = 5, "Niveau 5 (bac+2 : BTS, DUT, DEUST)"
    LEVEL_6 = 6, "Niveau 6 (licence, bachelor)"
    LEVEL_7 = 7, "Niveau 7 (master)"
    LEVEL_8 = 8, "Niveau 8 (doctorat)"


# Levels of the 1969 nomenclature. Level I covered both master and doctorate: we read it as 7, the
# level a "niveau I" certification of the RNCP was converted to in 2019.
_OLD_ROMAN_LEVELS = {
    "VI": QualificationLevel.INFRA_3,
    "VBIS": QualificationLevel.INFRA_3,
    "V": QualificationLevel.LEVEL_3,
    "IV": QualificationLevel.LEVEL_4,
    "III": QualificationLevel.LEVEL_5,
    "II": QualificationLevel.LEVEL_6,
    "I": QualificationLevel.LEVEL_7,
}

# LHEO dict-niveaux (lheo-gml 2.3): 0 "information non communiquée", 1 "sans niveau spécifique",
# 2..8 the old levels VI, V bis, V, IV, III, II, I; 11..18 the 2019 levels 1..8.
_LHEO_LEVELS = {
    "2": QualificationLevel.INFRA_3,
    "3": QualificationLevel.INFRA_3,
    "4": QualificationLevel.LEVEL_3,
    "5": QualificationLevel.LEVEL_4,
    "6": QualificationLevel.LEVEL_5,
    "7": QualificationLevel.LEVEL_6,
    "8": QualificationLevel.LEVEL_7,
    "11": QualificationLevel.INFRA_3,
    "12": QualificationLevel.INFRA_3,
    "13": QualificationLevel.LEVEL_3,
    "14": QualificationLevel.LEVEL_4,
    "15": QualificationLevel.LEVEL_5,
    "16": QualificationLevel.LEVEL_6,
    "17": QualificationLevel.LEVEL_7,
    "18": QualificationLevel.LEVEL_8,
}
LHEO_LEVEL_CODES = frozenset(_LHEO_LEVELS) | {"0", "1"}


def level_from_old(roman: str) -> QualificationLevel | None:
    """``"III"`` → niveau 5. Accepts "V bis" and surrounding words such as "niveau IV"."""
    key = roman.upper().replace("NIVEAU", "").replace(" ", "")
    return _OLD_ROMAN_LEVELS.get(key)


def level_from_lheo(code: str) -> QualificationLevel | None:
    """A code of LHEO dict-niveaux, old (2..8) or 2019 (11..18); ``None`` for 0, 1 (no specific level)
    and unknown codes."""
    return _LHEO_LEVELS.get(code.strip())


def level_to_lheo(level: int | None) -> str:
    """The 2019 LHEO code of a level (infra 3 is written as 2019 level 2); ``"1"`` (sans niveau
    spécifique) for no level."""
    if level is None:
        return "1"
    return str(10 + level)


def level_from_rncp(text: str) -> QualificationLevel | None:
    """RNCP extracts write ``niveau6`` (kit 2021) or ``Niveau 6`` (kit 2023); older fiches ``NIV3``."""
    digits = "".join(char for char in text if char.isdigit())
    if digits:
        value = int(digits)
        if value in QualificationLevel.values:
            return QualificationLevel(value)
        if value in (1, 2):
            return QualificationLevel.INFRA_3
        return None
    return level_from_old(text)


class TeachingMode(models.TextChoices):
    ON_SITE = "on_site", "En présentiel"
    BLENDED = "blended", "Mixte (présentiel et à distance)"
    DISTANCE = "distance", "À distance"


# LHEO dict-modalites-enseignement
TEACHING_MODE_FROM_LHEO = {"0": TeachingMode.ON_SITE, "1": TeachingMode.BLENDED, "2": TeachingMode.DISTANCE}
TEACHING_MODE_TO_LHEO = {mode: code for code, mode in TEACHING_MODE_FROM_LHEO.items()}


class RegistrationState(models.TextChoices):
    OPEN = "open", "Inscriptions ouvertes"
    CLOSED = "closed", "Inscriptions fermées"
    SUSPENDED = "suspended", "Inscriptions suspendues"


# LHEO dict-etat-recrutement
REGISTRATION_STATE_FROM_LHEO = {
    "1": RegistrationState.OPEN,
    "2": RegistrationState.CLOSED,
    "3": RegistrationState.SUSPENDED,
}
REGISTRATION_STATE_TO_LHEO = {state: code for code, state in REGISTRATION_STATE_FROM_LHEO.items()}


class ScheduleType(models.TextChoices):
    DAY = "day", "En journée"
    EVENING = "evening", "En soirée"
    WEEKEND = "weekend", "Le samedi ou le week-end"
    MIXED = "mixed", "Horaires mixtes"


class CertificationRegistry(models.TextChoices):
    RNCP = "rncp", "RNCP (répertoire national des certifications professionnelles)"
    RS = "rs", "Répertoire spécifique"


# LHEO dict-financeurs (2.3)
FUNDERS = {
    "0": "Autre",
    "2": "Conseil régional",
    "3": "Fonds européens – FSE",
    "4": "France Travail (Pôle emploi)",
    "5": "Entreprise",
    "6": "ACSÉ (anciennement FASILD)",
    "7": "Agefiph",
    "8": "Conseil départemental",
    "9": "Commune",
    "10": "Bénéficiaire de l'action",
    "11": "État – ministère chargé de l'emploi",
    "12": "État – ministère de l'éducation nationale",
    "13": "État – autre",
    "14": "Fonds européens – autre",
    "15": "Collectivité territoriale – autre",
    "16": "OPCO",
    "17": "Transition Pro",
    "18": "LADOM",
    "19": "État – ministère de l'intérieur",
    "20": "OFII",
}

# Formacode "publics" (type PUB) that the demo and the forms use; any other 5-digit code is kept as is.
PUBLIC_CODES = {
    "80011": "demandeur d'emploi",
    "80024": "jeune 16-25 ans",
    "80025": "jeune demandeur d'emploi (16-25 ans)",
    "80044": "salarié",
    "80052": "jeune en alternance",
    "80999": "autre public",
}
