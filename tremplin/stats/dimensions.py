"""What the figures are broken down by: each dimension, its French label and its values in display
order. Values are stored as text in the pre-aggregated cells (``Aggregate.value``)."""

from dataclasses import dataclass

from tremplin.catalog.enums import QualificationLevel, TeachingMode
from tremplin.referrals.enums import CompletionOutcome, ReferralStatus, RefusalReason, WithdrawalReason
from tremplin.territories.enums import SizeClass
from tremplin.youth.enums import Programme

UNKNOWN = ""  # the value of a referral whose dimension is not known (no certification level, say)
UNKNOWN_LABEL = "Non renseigné"


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    # Ordered (value, label) pairs; None when values are organisations or territories (labels looked up).
    choices: tuple[tuple[str, str], ...] | None = None
    # Also counted among the referrals that led to an entry in training (an access rate per value).
    by_entry: bool = False

    def label_of(self, value: str) -> str:
        if value == UNKNOWN:
            return UNKNOWN_LABEL
        return dict(self.choices or ()).get(value, value)


STEPS = (
    ("sent", "Orientations envoyées"),
    ("acknowledged", "Prises en charge par le Cnam"),
    ("meeting", "Entretiens planifiés"),
    ("admitted", "Admissions"),
    ("enrolled", "Entrées en formation"),
    ("completed", "Formations terminées"),
)
AGE_BANDS = (
    ("under_18", "Moins de 18 ans"),
    ("18_21", "18 à 21 ans"),
    ("22_25", "22 à 25 ans"),
    ("26_plus", "26 ans et plus"),
)
DELAYS = (
    ("ack_days", "Envoi → prise en charge"),
    ("meeting_days", "Envoi → entretien"),
    ("decision_days", "Envoi → décision (admission ou refus)"),
)
# Delays are whole calendar days; longer ones are counted at this value ("a year or more").
MAX_DELAY_DAYS = 366
POSITIONING = "positioning"


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), label) for value, label in enum.choices)


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("step", "Étape atteinte", STEPS),
        Dimension("status", "Statut actuel", _choices(ReferralStatus)),
        Dimension("refusal", "Motif de refus", _choices(RefusalReason)),
        Dimension("withdrawal", "Motif de retrait", _choices(WithdrawalReason)),
        Dimension("outcome", "Issue de la formation", _choices(CompletionOutcome)),
        Dimension("age", "Âge à l'envoi", AGE_BANDS, by_entry=True),
        Dimension("level", "Niveau de diplôme", _choices(QualificationLevel), by_entry=True),
        Dimension(
            "bac",
            "Baccalauréat",
            (("no", "Sans le baccalauréat"), ("yes", "Avec le baccalauréat")),
            by_entry=True,
        ),
        Dimension("programme", "Dispositif", _choices(Programme), by_entry=True),
        Dimension("region", "Région de résidence", by_entry=True),
        Dimension("department", "Département de résidence", by_entry=True),
        Dimension("size", "Taille de la commune de résidence", _choices(SizeClass), by_entry=True),
        Dimension("mission_locale", "Mission locale", by_entry=True),
        Dimension("site", "Centre Cnam", by_entry=True),
        Dimension(
            "cert_level", "Niveau de la certification visée", _choices(QualificationLevel), by_entry=True
        ),
        Dimension("rome", "Grand domaine ROME de la formation", by_entry=True),
        Dimension(
            "mode",
            "Modalité d'enseignement",
            (*_choices(TeachingMode), (POSITIONING, "Entretien de positionnement (sans session)")),
            by_entry=True,
        ),
        *(Dimension(key, label) for key, label in DELAYS),
    )
}
ENTRY_SUFFIX = ".entry"  # "age.entry": the same breakdown, among referrals that led to an entry


def age_band(age: int) -> str:
    if age < 18:
        return "under_18"
    if age <= 21:
        return "18_21"
    if age <= 25:
        return "22_25"
    return "26_plus"
