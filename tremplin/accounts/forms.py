from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.models import Membership


class LoginForm(DsfrBaseForm, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class TremplinPasswordResetForm(DsfrBaseForm, PasswordResetForm):
    pass


class TremplinSetPasswordForm(DsfrBaseForm, SetPasswordForm):
    pass


class SwitchOrganisationForm(DsfrBaseForm):
    membership = forms.ModelChoiceField(
        label="Organisation", queryset=Membership.objects.none(), empty_label=None, widget=forms.RadioSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = Membership.objects.active().filter(user=user).select_related("organisation")
        field.label_from_instance = lambda m: f"{m.organisation.name} — {m.get_role_display()}"


class TremplinPasswordChangeForm(DsfrBaseForm, PasswordChangeForm):
    pass


class CodeForm(DsfrBaseForm):
    """A 6-digit code from the authentication app, checked against ``device`` (throttled by django-otp:
    each failure doubles the wait before the next try)."""

    code = forms.CharField(
        label="Code à 6 chiffres",
        help_text="Affiché par votre application d'authentification ; il change toutes les 30 secondes.",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Saisissez les 6 chiffres affichés par l'application, sans lettre.")
        allowed, details = self.device.verify_is_allowed()
        if not allowed:
            wait = (details or {}).get("locked_until")
            raise forms.ValidationError(
                "Trop de codes erronés : patientez quelques instants avant de réessayer"
                + (f" (jusqu'à {timezone.localtime(wait):%H:%M:%S})." if wait else ".")
            )
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                "Ce code n'est pas le bon ou a expiré : saisissez le code affiché en ce moment par "
                "l'application (vérifiez que l'heure de votre téléphone est exacte)."
            )
        return code
