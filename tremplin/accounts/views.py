from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods

from tremplin.accounts.forms import (
    LoginForm,
    SwitchOrganisationForm,
    TremplinPasswordResetForm,
    TremplinSetPasswordForm,
)
from tremplin.accounts.middleware import SESSION_KEY
from tremplin.accounts.models import Membership


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": "Se connecter"}


class LogoutView(auth_views.LogoutView):
    pass


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
    return render(request, "accounts/account.html", {"title": "Mon compte", "memberships": memberships})


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
