"""ETag and If-Match: a client sends back the ETag it read, and its update is refused (412) if the
object changed meanwhile, instead of silently overwriting someone else's change."""

import hashlib

from drf_spectacular.utils import OpenApiParameter

from tremplin.api.errors import PreconditionFailed

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="L'`ETag` lu avec la ressource : la modification n'a lieu que si elle n'a pas changé depuis "
    "(sinon 412, rien n'est écrit). Sans cet en-tête, la modification s'applique quoi qu'il en soit.",
)


def etag_of(obj) -> str:
    """A strong validator from the object's identity and last change."""
    version = f"{obj._meta.label}:{obj.pk}:{obj.updated_at.isoformat()}"
    return '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'


def check_if_match(request, obj) -> None:
    """Refuse the update when If-Match is given and names none of the object's current ETag.
    Without If-Match the update goes through (last write wins): clients that care send it."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    header = header.strip()
    if header == "*":
        return
    current = etag_of(obj)
    # Weak comparison is not allowed for If-Match (RFC 9110 §13.1.1): "W/" tags never match.
    tags = [tag.strip() for tag in header.split(",")]
    if current not in tags:
        raise PreconditionFailed()
