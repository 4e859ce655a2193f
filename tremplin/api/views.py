"""The "Accès à l'API" pages: ML managers and Cnam regional administrators create and revoke their
organisation's tokens and webhooks. A token, or a webhook's secret, is shown once, in the answer to
its creation (never stored in clear for a token, never shown again for either)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from tremplin.accounts.enums import Role
from tremplin.api import services
from tremplin.api.forms import TokenForm, WebhookForm
from tremplin.api.models import ApiToken, Webhook
from tremplin.network.enums import OrganisationKind

MANAGERS = {
    (OrganisationKind.MISSION_LOCALE, Role.ML_MANAGER),
    (OrganisationKind.CNAM_REGIONAL_CENTRE, Role.CNAM_REGIONAL),
}
DELIVERIES_SHOWN = 50


def _manager(request):
    membership = request.membership
    if membership is None or (membership.organisation.kind, membership.role) not in MANAGERS:
        raise PermissionDenied(
            "Réservé aux responsables de mission locale et aux administrateur·rices régionaux·ales du Cnam."
        )
    return membership


def _page(request, membership, *, token_form=None, webhook_form=None, status=200):
    organisation = membership.organisation
    return render(
        request,
        "api/access.html",
        {
            "title": "Accès à l'API",
            "organisation": organisation,
            "tokens": ApiToken.objects.filter(organisation=organisation).select_related(
                "created_by", "revoked_by"
            ),
            "webhooks": Webhook.objects.filter(organisation=organisation),
            "token_form": token_form or TokenForm(),
            "webhook_form": webhook_form or WebhookForm(),
        },
        status=status,
    )


@require_GET
def access(request):
    return _page(request, _manager(request))


@require_POST
def token_create(request):
    membership = _manager(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, token_form=form, status=400)
    token, raw = services.api_token_create(
        organisation=membership.organisation,
        name=form.cleaned_data["name"],
        can_write=form.cleaned_data["can_write"],
        expires_at=form.expires_at(),
        created_by=request.user,
    )
    response = render(
        request,
        "api/secret_shown_once.html",
        {"title": "Jeton créé", "token": token, "secret": raw, "what": "jeton"},
    )
    add_never_cache_headers(response)
    return response


@require_POST
def token_revoke(request, pk):
    membership = _manager(request)
    token = get_object_or_404(ApiToken, pk=pk, organisation_id=membership.organisation_id)
    services.api_token_revoke(token=token, user=request.user)
    messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne donne plus accès à l'API.")
    return redirect("api:access")


@require_POST
def webhook_create(request):
    membership = _manager(request)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, webhook_form=form, status=400)
    webhook = services.webhook_create(
        organisation=membership.organisation, url=form.cleaned_data["url"], created_by=request.user
    )
    response = render(
        request,
        "api/secret_shown_once.html",
        {"title": "Webhook enregistré", "webhook": webhook, "secret": webhook.secret, "what": "secret"},
    )
    add_never_cache_headers(response)
    return response


@require_POST
def webhook_deactivate(request, pk):
    membership = _manager(request)
    webhook = get_object_or_404(Webhook, pk=pk, organisation_id=membership.organisation_id)
    services.webhook_deactivate(webhook=webhook)
    messages.success(request, f"Le webhook {webhook.url} est désactivé : plus rien n'y est envoyé.")
    return redirect("api:access")


@require_GET
def webhook_detail(request, pk):
    membership = _manager(request)
    webhook = get_object_or_404(Webhook, pk=pk, organisation_id=membership.organisation_id)
    return render(
        request,
        "api/webhook_detail.html",
        {
            "title": "Envois du webhook",
            "webhook": webhook,
            "deliveries": webhook.deliveries.order_by("-created_at", "-pk")[:DELIVERIES_SHOWN],
        },
    )
