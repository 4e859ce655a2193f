"""Forms of the referral pages. They parse what people type; the business rules (a meeting in the
future, a reason for a refusal, plain text only…) live in the services, whose errors the views put
back on the field they name, so the pages and the API refuse the same things with the same words."""

from django import forms
from django.db.models import Q
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.enums import ML_ROLES
from tremplin.accounts.models import User
from tremplin.network.models import CnamSite
from tremplin.referrals.enums import (
    CompletionOutcome,
    EmailFrequency,
    ReferralStatus,
    RefusalReason,
    Side,
    WithdrawalReason,
)
from tremplin.referrals.models import MESSAGE_MAX_LENGTH, Referral

TEXT_HELP = f"Texte simple, sans HTML, {MESSAGE_MAX_LENGTH:_} caractères au plus.".replace("_", "\u202f")


def _text_field(label: str, *, required=False, rows=3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=TEXT_HELP,
        widget=forms.Textarea(attrs={"rows": rows}),
        strip=True,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ServiceErrorsMixin:
    """Put a service's ReferralError on the field it names, else on the whole form."""

    def add_service_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


# ---------------------------------------------------------------------------------------------------
# Sending


def _site_label(site, km: float | None) -> str:
    kind = " (centre régional)" if site.parent_id is None else ""
    where = f"{site.commune.name}, à {km:.0f} km" if km is not None else site.commune.name
    return f"{site.name}{kind} — {where}"


class ReferralSendForm(ServiceErrorsMixin, DsfrBaseForm):
    site = forms.TypedChoiceField(
        label="Centre Cnam",
        coerce=int,
        help_text="Les centres sont classés du plus proche au plus lointain de la commune de résidence.",
    )
    message = _text_field("Message au Cnam (facultatif)", rows=5)
    notify_young_person = forms.BooleanField(
        label="Envoyer au ou à la jeune un courriel avec les coordonnées du centre et un lien pour confirmer "
        "son intérêt ou se retirer",
        help_text="Seulement si la personne l'a accepté.",
        required=False,
    )
    confirm = forms.BooleanField(
        label="J'ai pris connaissance de l'avertissement et j'envoie quand même", required=False
    )

    def __init__(self, *args, person, sites=None, distances=None, warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = list(warnings)
        self.sites = {site.pk: site for site in sites or ()}
        if sites is None:
            del self.fields["site"]
        else:
            distances = distances or {}
            self.fields["site"].choices = [
                (site.pk, _site_label(site, distances.get(site.pk))) for site in sites
            ]
        if not person.email:
            del self.fields["notify_young_person"]
        if not self.warnings:
            del self.fields["confirm"]

    def clean_site(self):
        return self.sites[self.cleaned_data["site"]]

    def clean(self):
        data = super().clean()
        if self.warnings and not data.get("confirm"):
            self.add_error("confirm", "Cochez cette case pour envoyer malgré l'avertissement.")
        return data


# ---------------------------------------------------------------------------------------------------
# Transitions: one form per action, named as in the transitions table.


class TransitionForm(ServiceErrorsMixin, DsfrBaseForm):
    comment = _text_field("Commentaire (facultatif)", rows=2)
    submit_label = "Valider"

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class AcknowledgeForm(TransitionForm):
    submit_label = "Prendre en charge"


class MeetingForm(TransitionForm):
    meeting_at = forms.DateTimeField(label="Date et heure de l'entretien", widget=DateTimeInput())
    meeting_place = forms.CharField(
        label="Lieu",
        required=False,
        max_length=300,
        help_text="Adresse, salle… ou laissez vide pour une visioconférence.",
    )
    meeting_url = forms.CharField(label="Lien de visioconférence", required=False, max_length=500)
    field_order = ["meeting_at", "meeting_place", "meeting_url", "comment"]
    submit_label = "Planifier l'entretien"


class AdmitForm(TransitionForm):
    submit_label = "Prononcer l'admission"


class RefuseForm(TransitionForm):
    reason = forms.ChoiceField(label="Motif du refus", choices=[("", "— choisir —"), *RefusalReason.choices])
    detail = forms.CharField(
        label="Précisions (obligatoires pour « autre motif »)", required=False, max_length=1000
    )
    field_order = ["reason", "detail", "comment"]
    submit_label = "Refuser l'orientation"


class EnrollForm(TransitionForm):
    entry_date = forms.DateField(
        label="Date d'entrée en formation",
        required=False,
        widget=DateInput(),
        help_text="Vide : aujourd'hui.",
    )
    field_order = ["entry_date", "comment"]
    submit_label = "Enregistrer l'entrée"


class CompleteForm(TransitionForm):
    outcome = forms.ChoiceField(label="Issue", choices=[("", "— choisir —"), *CompletionOutcome.choices])
    field_order = ["outcome", "comment"]
    submit_label = "Enregistrer la fin de formation"


class DropOutForm(TransitionForm):
    submit_label = "Enregistrer l'abandon"


class WithdrawForm(TransitionForm):
    # "Redirected" is written by the redirection itself, never chosen.
    reason = forms.ChoiceField(
        label="Motif du retrait",
        choices=[
            ("", "— choisir —"),
            *[c for c in WithdrawalReason.choices if c[0] != WithdrawalReason.REDIRECTED],
        ],
    )
    detail = forms.CharField(
        label="Précisions (obligatoires pour « autre motif »)", required=False, max_length=1000
    )
    field_order = ["reason", "detail", "comment"]
    submit_label = "Retirer l'orientation"


ACTION_FORMS: dict[str, type[TransitionForm]] = {
    "acknowledge": AcknowledgeForm,
    "plan_meeting": MeetingForm,
    "admit": AdmitForm,
    "refuse": RefuseForm,
    "enroll": EnrollForm,
    "complete": CompleteForm,
    "drop_out": DropOutForm,
    "withdraw": WithdrawForm,
}


class MessageForm(ServiceErrorsMixin, DsfrBaseForm):
    body = _text_field("Votre message", required=True, rows=4)


class PreferenceForm(DsfrBaseForm):
    frequency = forms.ChoiceField(
        label="Courriels sur les orientations", choices=EmailFrequency.choices, widget=forms.RadioSelect
    )


# ---------------------------------------------------------------------------------------------------
# Lists

GROUPS = {
    "active": "En cours (décision à venir)",
    "to_act": "À traiter",
}


class ReferralFilterForm(DsfrBaseForm):
    q = forms.CharField(label="Nom du ou de la jeune", required=False, max_length=100)
    status = forms.ChoiceField(label="Statut", required=False)
    site = forms.ModelChoiceField(
        label="Centre Cnam", queryset=CnamSite.objects.none(), required=False, empty_label="Tous"
    )
    counsellor = forms.ModelChoiceField(
        label="Envoyée par", queryset=User.objects.none(), required=False, empty_label="Tout le monde"
    )
    late = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, side: Side, membership, referrals, **kwargs):
        super().__init__(*args, **kwargs)
        to_act = (
            "À traiter (décision ou entrée à enregistrer)"
            if side == Side.CNAM
            else "À réorienter (refusées ou expirées)"
        )
        self.fields["status"].choices = [
            ("", "Tous"),
            ("active", GROUPS["active"]),
            ("to_act", to_act),
            *ReferralStatus.choices,
        ]
        site_ids = referrals.order_by().values("site_id").distinct()
        self.fields["site"].queryset = CnamSite.objects.filter(pk__in=site_ids).order_by("name")
        if side == Side.ML:
            self.fields["counsellor"].queryset = (
                User.objects.filter(
                    Q(memberships__organisation_id=membership.organisation_id, memberships__role__in=ML_ROLES)
                    | Q(
                        pk__in=Referral.objects.filter(mission_locale_id=membership.organisation_id).values(
                            "sender_id"
                        )
                    )
                )
                .distinct()
                .order_by("last_name", "first_name")
            )
        else:
            del self.fields["counsellor"]
