import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.api.services import DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME
from tremplin.api.webhooks import RefusedAddress, check_url


class TokenForm(DsfrBaseForm):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour le reconnaître plus tard, par exemple « i-milo production ».",
        error_messages={"required": "Donnez un nom au jeton."},
    )
    can_write = forms.BooleanField(
        label="Droit d'écriture",
        required=False,
        help_text="Sans ce droit, le jeton ne peut que lire. Avec, il peut inscrire des jeunes, orienter, "
        "faire avancer les orientations.",
    )
    expires_on = forms.DateField(
        label="Valable jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Deux ans au plus.",
        error_messages={
            "required": "Indiquez jusqu'à quand le jeton est valable.",
            "invalid": "Date de fin de validité invalide : jj/mm/aaaa.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["expires_on"].initial = self.today + DEFAULT_TOKEN_LIFETIME

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        return name

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day <= self.today:
            raise forms.ValidationError("La date de fin de validité doit être à venir.")
        if day > self.today + MAX_TOKEN_LIFETIME:
            raise forms.ValidationError(
                "Un jeton est valable deux ans au plus : choisissez une date plus proche."
            )
        return day

    def expires_at(self) -> datetime.datetime:
        """The end of the chosen day, in Paris time."""
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


class WebhookForm(DsfrBaseForm):
    url = forms.URLField(
        label="Adresse de réception",
        max_length=500,
        assume_scheme="https",
        help_text="L'adresse https:// de votre système qui recevra chaque changement de statut des orientations.",
        error_messages={
            "required": "Indiquez l'adresse de réception.",
            "invalid": "Adresse invalide : indiquez une adresse complète, par exemple https://exemple.fr/tremplin.",
        },
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except RefusedAddress as refused:
            raise forms.ValidationError(str(refused)) from None
        return url
