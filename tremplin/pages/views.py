from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tremplin.accounts.enums import Role

HOME_TEMPLATES = {
    Role.COUNSELLOR: "pages/home_ml.html",
    Role.ML_MANAGER: "pages/home_ml.html",
    Role.CNAM_REFERENT: "pages/home_cnam.html",
    Role.CNAM_REGIONAL: "pages/home_cnam.html",
    Role.STEERING: "pages/home_steering.html",
}


@login_not_required
@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "pages/home_public.html", {"title": "Accueil"})
    membership = request.membership
    template = (
        HOME_TEMPLATES.get(membership.role, "pages/home_no_role.html")
        if membership
        else "pages/home_no_role.html"
    )
    return render(request, template, {"title": "Tableau de bord", "membership": membership})


@login_not_required
@require_GET
def accessibility(request):
    return render(request, "pages/accessibility.html", {"title": "Déclaration d'accessibilité"})


@login_not_required
@require_GET
def legal(request):
    return render(request, "pages/legal.html", {"title": "Mentions légales"})


@login_not_required
@require_GET
def personal_data(request):
    return render(request, "pages/personal_data.html", {"title": "Données personnelles"})


@login_not_required
@require_GET
def healthz(request):
    """Answer 200 when the database answers; load balancers and monitors poll this."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # the point is to report any database failure, whatever its type
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
