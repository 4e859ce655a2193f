"""Codes of the API's own objects: token scopes and webhook delivery states."""

from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "Lecture"
    WRITE = "write", "Écriture"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    DELIVERED = "delivered", "Remise"
    FAILED = "failed", "Abandonnée après plusieurs échecs"
