"""``Idempotency-Key`` on POST: a client that did not get the answer (timeout, lost connection) sends
the same request again with the same key and gets the first answer; nothing is created twice.

The key's row is written first, in the same transaction as what the request creates: a second
request with the same key waits on the row (PostgreSQL) or the database lock (SQLite) until the
first commits, then finds the stored answer. Only successful answers are stored: after an error
nothing was created, and the client may send the corrected request with the same key.
Keys are kept 24 hours, per client (token or person).
"""

import datetime
import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tremplin.api.errors import Conflict, Unprocessable
from tremplin.api.models import ApiToken, IdempotentRequest

HEADER = "Idempotency-Key"
KEY_LIFETIME = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "ETag")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Clé unique choisie par le client (ex. un UUID) : une requête renvoyée avec la même clé dans les "
    "24 heures reçoit la même réponse (avec l'en-tête `Idempotent-Replayed: true`), sans rien créer deux fois. "
    "Réutiliser une clé pour une autre requête est refusé (422).",
)


class _Unsuccessful(Exception):
    """Leaves the transaction (and forgets the key) when the view answered with an error."""

    def __init__(self, response):
        self.response = response


def _owner(request) -> dict:
    if isinstance(request.auth, ApiToken):
        return {"token": request.auth, "user": None}
    return {"token": None, "user": request.user}


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(json.dumps(request.data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _replay(record: IdempotentRequest) -> Response:
    response = Response(record.body, status=record.status_code)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _stored(owner: dict, key: str, since) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(**owner, key=key, created_at__gte=since).first()


def _answer_again(record: IdempotentRequest | None, fingerprint: str) -> Response:
    if record is None or record.status_code == 0:  # still running elsewhere
        raise Conflict("Une requête avec la même clé d'idempotence est en cours : réessayez dans un instant.")
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            "Cette clé d'idempotence a déjà servi pour une autre requête : "
            "utilisez une nouvelle clé pour chaque nouvelle création."
        )
    return _replay(record)


def idempotent(handler):
    """Decorate a view's ``post``."""

    @functools.wraps(handler)
    def post(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            raise exceptions.ValidationError(
                {
                    HEADER: [
                        f"La clé d'idempotence doit compter de 1 à {MAX_KEY_LENGTH} caractères ASCII imprimables."
                    ]
                }
            )
        owner = _owner(request)
        now = timezone.now()
        fingerprint = _fingerprint(request)
        IdempotentRequest.objects.filter(**owner, created_at__lt=now - KEY_LIFETIME).delete()
        record = _stored(owner, key, now - KEY_LIFETIME)
        if record is not None:
            return _answer_again(record, fingerprint)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotentRequest.objects.create(
                            **owner, key=key, path=request.path, fingerprint=fingerprint, status_code=0
                        )
                except IntegrityError:
                    # Stored meanwhile by a concurrent request with the same key, which we waited for.
                    return _answer_again(_stored(owner, key, now - KEY_LIFETIME), fingerprint)
                response = handler(view, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _Unsuccessful(response)
                record.status_code = response.status_code
                record.body = json.loads(JSONRenderer().render(response.data) or b"null")
                record.headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
                record.save(update_fields=["status_code", "body", "headers"])
                return response
        except _Unsuccessful as unsuccessful:
            return unsuccessful.response

    return post
