from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
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
