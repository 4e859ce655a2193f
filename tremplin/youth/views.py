"""Pages of the young people of a mission locale: list, create (with duplicate detection), record with
the ranking of Cnam sessions, edit, archive. Only counsellors and managers of the person's mission
locale reach a record; anyone else gets a 404 (a record) or a 403 (the list and the creation form)."""

import dataclasses

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tremplin.accounts.enums import ML_ROLES, Role
from tremplin.catalog.enums import TeachingMode
from tremplin.matching.ranking import Filters, Match
from tremplin.matching.services import recommend
from tremplin.network.models import MissionLocale
from tremplin.youth import services
from tremplin.youth.enums import AccessAction, Scope
from tremplin.youth.forms import ListFilterForm, RankingFilterForm, YoungPersonForm
from tremplin.youth.lookups import search_rome
from tremplin.youth.models import YoungPerson

PAGE_SIZE = 25
RESULTS_SHOWN = 20
NEAR_MISSES_SHOWN = 10


def _ml_membership(request):
    membership = request.membership
    if membership is None or membership.role not in ML_ROLES:
        raise PermissionDenied("Réservé aux conseiller·ères et responsables de mission locale.")
    return membership


def _visible(request):
    return YoungPerson.objects.visible_to(request.membership)


@require_GET
def young_person_list(request):
    membership = _ml_membership(request)
    default_scope = Scope.MINE if membership.role == Role.COUNSELLOR else Scope.MISSION_LOCALE
    data = None
    if request.GET:
        data = request.GET.copy()
        data.setdefault("scope", default_scope)
    form = ListFilterForm(data, initial={"scope": default_scope})
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    people = _visible(request).select_related("home_commune", "counsellor")
    if (filters.get("scope") or default_scope) == Scope.MINE:
        people = people.filter(counsellor=request.user)
    if not filters.get("archived"):
        people = people.active()
    if filters.get("q"):
        people = people.search(filters["q"])
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "youth/list.html",
        {"title": "Jeunes", "form": form, "page_obj": page, "people": page.object_list},
    )


@require_http_methods(["GET", "POST"])
def young_person_create(request):
    membership = _ml_membership(request)
    form = YoungPersonForm(
        request.POST or None, mission_locale=membership.organisation, initial={"counsellor": request.user.pk}
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = YoungPerson.objects.possible_duplicates_of(
            first_name=data["first_name"], last_name=data["last_name"], birth_date=data["birth_date"]
        )
        if found and not data["confirm_duplicate"]:
            # Another mission locale's record is named only as "known elsewhere": nothing of it is shown.
            duplicates = {
                "same": [p for p in found if p.mission_locale_id == membership.organisation_id],
                "elsewhere": any(p.mission_locale_id != membership.organisation_id for p in found),
            }
            form.ask_duplicate_confirmation()
        else:
            person = services.young_person_create(
                mission_locale=MissionLocale.objects.get(pk=membership.organisation_id),
                created_by=request.user,
                **form.service_kwargs(),
            )
            messages.success(request, f"La fiche de {person.full_name} est créée.")
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect("youth:detail", pk=person.pk)
    return render(
        request,
        "youth/form.html",
        {"title": "Inscrire un ou une jeune", "form": form, "duplicates": duplicates, "person": None},
    )


@require_GET
def young_person_detail(request, pk):
    person = get_object_or_404(
        _visible(request)
        .select_related("home_commune", "counsellor", "consent_recorded_by")
        .prefetch_related("interests"),
        pk=pk,
    )
    context = {"title": person.full_name, "person": person, **_ranking_context(request, person)}
    # A history restore asks for the whole page; a filter change only for the ranking.
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "youth/_ranking.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    services.young_person_access_log(
        young_person=person,
        user=request.user,
        organisation=request.membership.organisation,
        action=AccessAction.VIEW,
    )
    response = render(request, "youth/detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_http_methods(["GET", "POST"])
def young_person_edit(request, pk):
    person = get_object_or_404(
        _visible(request).select_related("home_commune").prefetch_related("interests"), pk=pk
    )
    form = YoungPersonForm(
        request.POST or None, mission_locale=request.membership.organisation, person=person
    )
    if request.method == "POST":
        if form.is_valid():
            services.young_person_update(young_person=person, user=request.user, **form.service_kwargs())
            messages.success(request, f"La fiche de {person.full_name} est enregistrée.")
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect("youth:detail", pk=person.pk)
    else:
        services.young_person_access_log(
            young_person=person,
            user=request.user,
            organisation=request.membership.organisation,
            action=AccessAction.EDIT,
        )
    return render(
        request,
        "youth/form.html",
        {"title": f"Modifier la fiche de {person.full_name}", "form": form, "person": person},
    )


@require_POST
def young_person_archive(request, pk):
    person = get_object_or_404(_visible(request), pk=pk)
    services.young_person_archive(young_person=person, user=request.user)
    messages.success(request, f"La fiche de {person.full_name} est archivée.")
    return redirect("youth:list")


@require_POST
def young_person_restore(request, pk):
    person = get_object_or_404(_visible(request), pk=pk)
    services.young_person_restore(young_person=person, user=request.user)
    messages.success(request, f"La fiche de {person.full_name} est de nouveau active.")
    return redirect("youth:detail", pk=person.pk)


@require_GET
def rome_search(request):
    """``GET /jeunes/rome/?q=TEXT``: ROME fiches for the interests picker (code, label, matching
    appellation)."""
    return JsonResponse(
        search_rome(request.GET.get("q", "")), safe=False, json_dumps_params={"ensure_ascii": False}
    )


# ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ResultRow:
    match: Match
    mode_label: str

    @property
    def where(self) -> str:
        distance = self.match.distance_km
        if distance is None:
            return "à distance"
        return f"à {distance:.0f} km" if distance >= 1 else "à moins d'1 km"


def _ranking_context(request, person: YoungPerson) -> dict:
    """The ranking for the person's profile narrowed by the page's filters (invalid ones are ignored
    and shown with their error)."""
    initial = {"radius": person.max_travel_km}
    bound = any(name in request.GET for name in RankingFilterForm.base_fields)
    form = RankingFilterForm(request.GET if bound else None, initial=initial)
    chosen = {}
    if bound:
        form.is_valid()
        chosen = form.cleaned_data
    try:
        profile = person.matching_profile()
    except ValueError:
        return {"filter_form": form, "ranking": None, "profile_error": True}
    if chosen.get("radius") is not None:
        profile = dataclasses.replace(profile, radius_km=float(chosen["radius"]))
    level = chosen.get("level")
    filters = Filters(
        modes=frozenset(chosen["modes"]) if chosen.get("modes") else None,
        levels=frozenset({int(level)}) if level not in (None, "") else None,
        start_before=chosen.get("start_before"),
    )
    ranking = recommend(profile, filters=filters, limit=RESULTS_SHOWN, near_miss_limit=NEAR_MISSES_SHOWN)
    modes = dict(TeachingMode.choices)
    return {
        "filter_form": form,
        "ranking": ranking,
        "results": [ResultRow(m, modes.get(m.record.teaching_mode, "")) for m in ranking.results],
        "near_misses": [ResultRow(m, modes.get(m.record.teaching_mode, "")) for m in ranking.near_misses],
        "profile_error": False,
    }
