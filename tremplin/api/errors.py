"""Errors as ``application/problem+json`` (RFC 9457), with the fields at fault.

Every error of the API has this shape::

    {"type": "urn:tremplin:problem:invalid", "title": "Données invalides", "status": 400,
     "detail": "birth_date : La date de naissance ne peut pas être dans le futur.",
     "instance": "/api/v1/young-people/",
     "errors": [{"field": "birth_date", "message": "La date de naissance ne peut pas être dans le futur."}]}

``errors`` is present for invalid data only; ``field`` is a dotted path (``interests.1``), or null
for an error about the request as a whole.
"""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Données invalides",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non permise",
    406: "Format de réponse non disponible",
    409: "Conflit",
    412: "La ressource a changé",
    413: "Requête trop volumineuse",
    415: "Format de requête non pris en charge",
    422: "Requête impossible à traiter",
    429: "Trop de requêtes",
}

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}


NOT_AUTHENTICATED = (
    "Authentification requise : envoyez le jeton de votre organisation dans l'en-tête "
    "« Authorization: Bearer … »."
)


class Conflict(exceptions.APIException):
    """The request is valid but the object's state forbids it (a transition from the wrong status, a
    duplicate, a request already running with the same Idempotency-Key). ``extra``: more members of
    the problem, ``code`` among them."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "La requête est en conflit avec l'état de la ressource."
    default_code = "conflict"

    def __init__(self, detail=None, *, extra: dict | None = None):
        super().__init__(detail)
        self.extra = extra or {}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "La ressource a été modifiée depuis votre lecture (l'en-tête If-Match ne correspond plus à son "
        "ETag) : relisez-la, puis appliquez votre modification à nouveau."
    )
    default_code = "precondition_failed"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Requête impossible à traiter."
    default_code = "unprocessable"


def field_errors(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of ``{"field", "message"}``."""
    if isinstance(detail, dict):
        found = []
        for name, value in detail.items():
            general = name in ("non_field_errors", "__all__")
            path = prefix if general else (f"{prefix}.{name}" if prefix else str(name))
            found += field_errors(value, path)
        return found
    if isinstance(detail, list):
        found = []
        for position, value in enumerate(detail):
            if isinstance(value, dict | list):
                found += field_errors(value, f"{prefix}.{position}" if prefix else str(position))
            else:
                found += field_errors(value, prefix)
        return found
    return [{"field": prefix or None, "message": str(detail)}]


def problem(status_code: int, detail: str, *, instance: str = "", code: str = "", **extra) -> dict:
    body = {
        "type": f"urn:tremplin:problem:{code or CODES.get(status_code, 'error')}",
        "title": TITLES.get(status_code, "Erreur"),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def exception_handler(exc, context):
    """DRF's handler, then the body rewritten as a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Introuvable, ou hors du périmètre de votre organisation.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = exceptions.ErrorDetail(NOT_AUTHENTICATED, code="not_authenticated")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.path if request is not None else ""
    code = getattr(exc, "default_code", "") if isinstance(exc, Conflict | PreconditionFailed) else ""
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        detail = " ".join(f"{e['field']} : {e['message']}" if e["field"] else e["message"] for e in errors)
        extra["errors"] = errors
        code = "invalid"
    elif isinstance(exc.detail, dict):
        detail = str(exc.detail.get("detail", ""))
    elif isinstance(exc.detail, list):
        detail = " ".join(str(item) for item in exc.detail)
    else:
        detail = str(exc.detail)
    # Exceptions may carry extension members of the problem (``code``, and anything else useful).
    extension = dict(getattr(exc, "extra", {}) or {})
    code = extension.pop("code", code)
    extra.update(extension)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = max(1, math.ceil(exc.wait))
        detail = (
            f"Trop de requêtes pour ce jeton : réessayez dans {extra['retry_after']} seconde(s) "
            "(en-tête Retry-After)."
        )
    response.data = problem(response.status_code, detail, instance=instance, code=code, **extra)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


@csrf_exempt
def not_found_view(request, *args, **kwargs):
    """Any other URL under /api/v1/: a problem, not the site's HTML 404 page (nor, for a POST, the
    CSRF failure page: there is nothing to protect here)."""
    body = problem(404, "Aucune ressource à cette adresse : voyez /api/v1/docs/.", instance=request.path)
    return JsonResponse(
        body, status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
