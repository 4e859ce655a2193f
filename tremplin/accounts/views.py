from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tremplin.accounts import proconnect, second_factor
from tremplin.accounts.forms import (
    CodeForm,
    LoginForm,
    SwitchOrganisationForm,
    TremplinPasswordChangeForm,
    TremplinPasswordResetForm,
    TremplinSetPasswordForm,
)
from tremplin.accounts.middleware import SESSION_KEY
from tremplin.accounts.models import Membership


def second_factor_exempt(view):
    """Reachable before the second factor has been entered (see SecondFactorRequiredMiddleware)."""
    view.second_factor_exempt = True
    return view


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Se connecter", proconnect_enabled=proconnect.enabled(), **kwargs
        )


@method_decorator(second_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """Signs out of Tremplin, and out of ProConnect too when the session came from there."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(proconnect.ID_TOKEN_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if id_token and proconnect.enabled():
            return redirect(proconnect.logout_url(request, id_token))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = TremplinPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    extra_context = {"title": "Changer mon mot de passe"}

    def form_valid(self, form):
        messages.success(self.request, "Votre mot de passe a été changé.")
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = TremplinPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": "Mot de passe oublié"}


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"title": "Courriel envoyé"}


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = TremplinSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"title": "Nouveau mot de passe"}


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    extra_context = {"title": "Mot de passe modifié"}


@require_GET
def account(request):
    memberships = Membership.objects.active().filter(user=request.user).select_related("organisation")
    device = second_factor.confirmed_device(request.user)
    return render(
        request,
        "accounts/account.html",
        {
            "title": "Mon compte",
            "memberships": memberships,
            "second_factor_on": device is not None,
            "second_factor_required": second_factor.is_required(request.user),
            "disable_form": CodeForm(device=device, auto_id="disable_%s") if device else None,
        },
    )


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return resolve_url(default)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    """The code asked after the password, before any other page."""
    device = second_factor.confirmed_device(request.user)
    if device is None:
        return redirect(
            _with_next("accounts:second_factor_setup", _next_url(request, settings.LOGIN_REDIRECT_URL))
        )
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        django_otp.login(request, device)
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    return render(
        request,
        "accounts/second_factor_verify.html",
        {
            "title": "Code de vérification",
            "form": form,
            "next": _next_url(request, settings.LOGIN_REDIRECT_URL),
        },
    )


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Turn the second factor on: scan the QR code (or type the secret), then enter one code to prove
    the app works. Someone whose second factor is on must enter a code before replacing it."""
    if second_factor.confirmed_device(request.user) is not None:
        if not request.user.is_verified():
            return redirect(_with_next("accounts:second_factor_verify", reverse("accounts:account")))
        messages.info(request, "La double authentification est déjà activée sur votre compte.")
        return redirect("accounts:account")
    device = second_factor.pending_device(request.user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        second_factor.device_confirm(device=device)
        django_otp.login(request, device)
        messages.success(
            request,
            "La double authentification est activée : à chaque connexion, Tremplin vous demandera un code "
            "de votre application.",
        )
        return redirect(_next_url(request, "accounts:account"))
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "title": "Activer la double authentification",
            "form": form,
            "required": second_factor.is_required(request.user),
            "qr_code": second_factor.qr_code_svg(device),
            "secret": second_factor.secret_text(device),
            "next": _next_url(request, "accounts:account"),
        },
    )


@require_POST
def second_factor_disable(request):
    """Turn the second factor off, with a current code; not for roles that require one."""
    device = second_factor.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:account")
    if second_factor.is_required(request.user):
        messages.error(
            request,
            "Votre rôle impose la double authentification : elle ne peut pas être désactivée. En cas de "
            "perte de votre téléphone, demandez à l'équipe d'exploitation de la réinitialiser.",
        )
        return redirect("accounts:account")
    form = CodeForm(request.POST, device=device, auto_id="disable_%s")
    if not form.is_valid():
        messages.error(request, f"Double authentification toujours active : {' '.join(form.errors['code'])}")
        return redirect("accounts:account")
    second_factor.devices_remove(user=request.user)
    request.session[second_factor.SESSION_KEY] = second_factor.NONE
    messages.success(request, "La double authentification est désactivée.")
    return redirect("accounts:account")


@require_http_methods(["GET", "POST"])
def switch_organisation(request):
    form = SwitchOrganisationForm(
        request.POST or None,
        user=request.user,
        initial={"membership": request.membership},
    )
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        request.session[SESSION_KEY] = membership.pk
        messages.success(request, f"Vous agissez maintenant pour {membership.organisation.name}.")
        return redirect("pages:home")
    return render(
        request, "accounts/switch_organisation.html", {"title": "Changer d'organisation", "form": form}
    )
