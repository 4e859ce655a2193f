from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tremplin.accounts.enums import CNAM_ROLES, ML_ROLES
from tremplin.catalog.enums import FUNDERS, PUBLIC_CODES
from tremplin.catalog.forms import CatalogueSearchForm, SessionForm, commune_label
from tremplin.catalog.models import RomeFiche, SessionChange, Training, TrainingAction, TrainingSession
from tremplin.catalog.search import search_page
from tremplin.catalog.services import EDITABLE_SESSION_FIELDS, session_update

SESSIONS_PER_PAGE = 50


@login_not_required
@require_GET
def catalogue(request):
    params = request.GET.copy()
    params.setdefault("radius", "30")  # shown selected, and used, when the search names no radius
    form = CatalogueSearchForm(params)
    result = search_page(form.to_query(), request.GET.get("page")) if form.is_valid() else None
    return render(
        request,
        "catalog/catalogue.html",
        {
            "title": "Catalogue des formations du Cnam",
            "form": form,
            "result": result,
            "commune_choices": [_with_commune(request.GET, match) for match in form.commune_matches],
        },
    )


def _with_commune(params: QueryDict, commune: dict) -> dict:
    """A link that repeats the search with one of the communes that matched an ambiguous text."""
    query = params.copy()
    query["commune"] = f"{commune['name']} ({commune['insee_code']})"
    query.pop("page", None)
    return {"label": f"{commune_label(commune)} – {commune['department_name']}", "query": query.urlencode()}


@login_not_required
@require_GET
def training_detail(request, pk):
    today = timezone.localdate()
    sessions = TrainingSession.objects.order_by("start_date", "pk")
    actions = TrainingAction.objects.select_related("cnam_site", "commune").order_by("pk")
    training = get_object_or_404(
        Training.objects.select_related("provider", "certification").prefetch_related(
            Prefetch("actions", queryset=actions, to_attr="all_actions"),
            Prefetch("all_actions__sessions", queryset=sessions, to_attr="all_sessions"),
        ),
        pk=pk,
    )
    for action in training.all_actions:
        action.funder_labels = [FUNDERS.get(code, code) for code in action.funder_codes]
        action.public_labels = [PUBLIC_CODES.get(code, code) for code in action.public_codes.split()]
        action.upcoming = [s for s in action.all_sessions if s.end_date is None or s.end_date >= today]
        action.past_count = len(action.all_sessions) - len(action.upcoming)
    known = dict(RomeFiche.objects.filter(code__in=training.rome_codes.split()).values_list("code", "label"))
    return render(
        request,
        "catalog/training_detail.html",
        {
            "title": training.title,
            "training": training,
            "jobs": [(code, known.get(code, "")) for code in training.rome_codes.split()],
            "is_demo": training.provider.is_demo
            or any(a.cnam_site and a.cnam_site.is_demo for a in training.all_actions),
            # Counsellors can refer a young person to a Cnam session from here (the public sees no button).
            "can_refer": request.membership is not None and request.membership.role in ML_ROLES,
        },
    )


def _cnam_membership(request):
    membership = request.membership
    if membership is None or membership.role not in CNAM_ROLES:
        raise PermissionDenied("Réservé aux équipes du Cnam.")
    return membership


@require_GET
def session_list(request):
    membership = _cnam_membership(request)
    show_past = request.GET.get("passees") == "1"
    sessions = TrainingSession.objects.editable_by(membership).select_related(
        "action__training", "action__cnam_site"
    )
    if not show_past:
        sessions = sessions.not_ended()
    page = Paginator(sessions.order_by("start_date", "pk"), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/session_list.html",
        {"title": "Sessions de mes centres", "page": page, "show_past": show_past, "membership": membership},
    )


@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    membership = _cnam_membership(request)
    session = get_object_or_404(
        TrainingSession.objects.editable_by(membership).select_related(
            "action__training", "action__cnam_site"
        ),
        pk=pk,
    )
    initial = {field: getattr(session, field) for field in EDITABLE_SESSION_FIELDS}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = session_update(
            session=session,
            user=request.user,
            **{field: form.cleaned_data[field] for field in EDITABLE_SESSION_FIELDS},
        )
        if changes:
            messages.success(request, f"Session mise à jour ({len(changes)} modification(s) enregistrée(s)).")
        else:
            messages.info(request, "Aucune modification : la session était déjà à jour.")
        return redirect("catalog:session_edit", pk=session.pk)
    history = SessionChange.objects.filter(session=session).select_related("user")[:100]
    return render(
        request,
        "catalog/session_edit.html",
        {
            "title": f"Modifier la session — {session.action.training.title}",
            "session": session,
            "form": form,
            "history": history,
        },
    )
