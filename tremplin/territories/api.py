"""Public JSON endpoints of the territories app (routes in config/api_urls.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from tremplin.territories.lookup import MAX_RESULTS, search_communes

LIMIT_ERROR = f"Le paramètre « limit » doit être un nombre entier de 1 à {MAX_RESULTS}."


@login_not_required
@require_GET
def commune_lookup(request):
    """``GET /api/v1/communes/?q=TEXT[&limit=N]``: communes matching a name, a postal code (or its
    first digits) or an INSEE code, best first (see ``search_communes``). Public: the referential is
    open data and the home-commune field of public forms uses it. A missing ``q`` is an error (400);
    an empty or one-character ``q`` finds nothing."""
    text = request.GET.get("q")
    if text is None:
        return _error("Le paramètre « q » (nom, code postal ou code INSEE de la commune) est obligatoire.")
    try:
        limit = int(request.GET.get("limit", MAX_RESULTS))
    except ValueError:
        return _error(LIMIT_ERROR)
    if not 1 <= limit <= MAX_RESULTS:
        return _error(LIMIT_ERROR)
    response = JsonResponse(
        search_communes(text, limit=limit), safe=False, json_dumps_params={"ensure_ascii": False}
    )
    # The referential changes once a year: let browsers reuse answers while someone types.
    response["Cache-Control"] = "public, max-age=300"
    return response


def _error(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
