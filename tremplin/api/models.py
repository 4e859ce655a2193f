"""The API's own records: per-organisation tokens, stored idempotent answers, webhooks and their
delivery log.

A token is shown once, when it is created; only its SHA-256 is stored. Tokens are 256-bit random
strings, so a fast hash is enough: there is no dictionary to guess from, unlike passwords.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.api.enums import DeliveryStatus, TokenScope
from tremplin.network.models import Organisation

TOKEN_PREFIX = "trp_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="organisation"
    )
    name = models.CharField("nom", max_length=100, help_text="Pour le reconnaître : « i-milo production »…")
    # The first characters of the token, shown in lists so that people can tell tokens apart.
    prefix = models.CharField("début du jeton", max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(
        "écriture", default=False, help_text="Sans écriture, le jeton ne peut que lire."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="révoqué par",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        return [TokenScope.READ, TokenScope.WRITE] if self.can_write else [TokenScope.READ]

    @property
    def scopes_label(self) -> str:
        return "lecture et écriture" if self.can_write else "lecture seule"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def is_usable(self, now=None) -> bool:
        return not self.is_revoked and not self.is_expired(now)


class IdempotentRequest(models.Model):
    """The answer to a POST sent with an ``Idempotency-Key``: a retry with the same key gets it
    again instead of creating a second object. Written in the transaction of the creation itself, so
    that either both exist or neither does."""

    # The client: a token, or a signed-in user (session authentication).
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 de la méthode, du chemin et du corps")
    status_code = models.PositiveSmallIntegerField(help_text="0 tant que la requête est en cours")
    body = models.JSONField(null=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"], condition=Q(token__isnull=False), name="idem_token_key"
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(token__isnull=True), name="idem_user_key"
            ),
        ]


class Webhook(models.Model):
    """A URL of an organisation's system that receives the status changes of its referrals."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhooks", verbose_name="organisation"
    )
    url = models.URLField("adresse de réception", max_length=500)
    # Kept in clear: signing needs it. Shown once, like a token.
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "webhook"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One status change to send to one webhook, and how its sending went."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("referrals.ReferralEvent", on_delete=models.CASCADE, related_name="+")
    uuid = models.CharField("identifiant", max_length=36, unique=True)
    payload = models.JSONField("contenu")
    status = models.CharField(
        "état", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("dernier code HTTP", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    delivered_at = models.DateTimeField("remise le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "envoi de webhook"
        verbose_name_plural = "envois de webhooks"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
