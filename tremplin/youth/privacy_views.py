"""The ML manager's pages about personal data: who read a record (one person's log, the mission
locale's log), the export of everything held about a person, and the erasure at their request.

Scoping as on the record pages: a record of another mission locale, or any record for the Cnam and
steering, is a 404; a counsellor of the owning mission locale gets a 403 (the record exists for them,
these pages are the manager's)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tremplin.accounts.enums import Role
from tremplin.referrals.enums import OPEN_STATUSES
from tremplin.youth.anonymisation import young_person_anonymise
from tremplin.youth.enums import AnonymisationReason
from tremplin.youth.forms import AccessLogFilterForm
from tremplin.youth.models import YoungPerson, YoungPersonAccess
from tremplin.youth.personal_export import export_filename, personal_data_export

LOG_PAGE_SIZE = 50
MANAGER_ONLY = "Réservé aux responsables de la mission locale qui suit ce ou cette jeune."


def _managed_person(request, pk) -> YoungPerson:
    person = get_object_or_404(
        YoungPerson.objects.visible_to(request.membership).select_related("mission_locale"), pk=pk
    )
    if request.membership.role != Role.ML_MANAGER:
        raise PermissionDenied(MANAGER_ONLY)
    return person


def _log_rows(queryset):
    return queryset.select_related("user", "organisation", "young_person").order_by("-accessed_at", "-pk")


@require_GET
def person_access_log(request, pk):
    person = _managed_person(request, pk)
    page = Paginator(_log_rows(person.accesses.all()), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "youth/access_log_person.html",
        {"title": f"Consultations de la fiche de {person.full_name}", "person": person, "page_obj": page},
    )


@require_GET
def access_log(request):
    membership = request.membership
    if membership is None or membership.role != Role.ML_MANAGER:
        raise PermissionDenied("Le journal des consultations est réservé aux responsables de mission locale.")
    form = AccessLogFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = YoungPersonAccess.objects.filter(young_person__mission_locale_id=membership.organisation_id)
    person = (chosen.get("person") or "").strip()
    if person.isdigit():
        rows = rows.filter(young_person_id=int(person))
    elif person:
        rows = rows.filter(young_person__in=YoungPerson.objects.search(person))
    user = (chosen.get("user") or "").strip()
    for word in user.split():
        rows = rows.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    if chosen.get("since"):
        rows = rows.filter(accessed_at__gte=_start_of(chosen["since"]))
    if chosen.get("until"):
        rows = rows.filter(accessed_at__lt=_start_of(chosen["until"] + datetime.timedelta(days=1)))
    page = Paginator(_log_rows(rows), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "youth/access_log.html",
        {
            "title": "Journal des consultations des fiches",
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
        },
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require_POST
def person_export(request, pk):
    person = _managed_person(request, pk)
    document = personal_data_export(person, user=request.user, organisation=request.membership.organisation)
    response = HttpResponse(document.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(person)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def person_erase(request, pk):
    person = _managed_person(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "Cochez la case de confirmation pour effacer les données.")
            return redirect("youth:erase", pk=person.pk)
        name = person.full_name
        young_person_anonymise(
            young_person=person,
            reason=AnonymisationReason.REQUEST,
            user=request.user,
            organisation=request.membership.organisation,
        )
        messages.success(
            request,
            f"Les données de {name} sont effacées. Sa fiche anonymisée ne figure plus dans les listes ; "
            "les statistiques la comptent toujours.",
        )
        return redirect("youth:list")
    referrals = list(
        person.referrals.select_related("site", "session__action__training").order_by("-sent_at", "-pk")
    )
    return render(
        request,
        "youth/erase_confirm.html",
        {
            "title": f"Effacer les données de {person.full_name}",
            "person": person,
            "referrals": referrals,
            "open_referrals": [r for r in referrals if r.status in OPEN_STATUSES],
        },
    )
