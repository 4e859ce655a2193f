"""Writes of the API's own records: tokens and webhooks. The secret of each is returned once, to be
shown once; only a token's hash is kept."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.api.models import TOKEN_PREFIX, ApiToken, Webhook, hash_token
from tremplin.api.webhooks import check_url, new_secret
from tremplin.network.models import Organisation

DEFAULT_TOKEN_LIFETIME = datetime.timedelta(days=365)
MAX_TOKEN_LIFETIME = datetime.timedelta(days=2 * 366)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(
    *,
    organisation: Organisation,
    name: str,
    can_write: bool = False,
    expires_at: datetime.datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``organisation``; returns it with the raw token, which is not stored."""
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_TOKEN_LIFETIME
    if expires_at <= now:
        raise ValueError("expires_at must be in the future")
    raw = new_token()
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name.strip(),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        can_write=can_write,
        expires_at=expires_at,
        created_by=created_by,
        created_at=now,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User | None) -> ApiToken:
    """Revoke at once; revoking again changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = user
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


@transaction.atomic
def webhook_create(*, organisation: Organisation, url: str, created_by: User | None) -> Webhook:
    """Register ``url``; its ``secret`` is to be shown once. Raises RefusedAddress for a URL refused."""
    check_url(url)
    return Webhook.objects.create(
        organisation=organisation, url=url, secret=new_secret(), created_by=created_by
    )


@transaction.atomic
def webhook_deactivate(*, webhook: Webhook) -> Webhook:
    """Stop sending to the webhook; its delivery log stays."""
    if webhook.is_active:
        webhook.is_active = False
        webhook.save(update_fields=["is_active"])
    return webhook
