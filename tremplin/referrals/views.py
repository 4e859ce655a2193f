"""Referral pages. Counsellors and managers: send, follow, withdraw, redirect. Cnam referents and
regional administrators: the inbox and each step. Both: the referral page (timeline, thread).
Everything is fetched through ``Referral.objects.visible_to(membership)``: another organisation's
referral, or another mission locale's young person, is a 404. The young person's page is public
and works from their signed link only."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tremplin.catalog.models import TrainingSession
from tremplin.matching.services import recommend
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite
from tremplin.referrals import clock, services
from tremplin.referrals.deadlines import expires_on, reminder_cutoff
from tremplin.referrals.enums import (
    ACTIVE_STATUSES,
    AWAITING_CNAM_STATUSES,
    REDIRECTABLE_STATUSES,
    EmailFrequency,
    ReferralStatus,
    Side,
)
from tremplin.referrals.forms import (
    ACTION_FORMS,
    MessageForm,
    PreferenceForm,
    ReferralFilterForm,
    ReferralSendForm,
)
from tremplin.referrals.insights import typical_response
from tremplin.referrals.links import read_token
from tremplin.referrals.models import NotificationPreference, Referral, side_of
from tremplin.referrals.transitions import TRANSITIONS, allowed_actions
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPerson
from tremplin.youth.services import young_person_access_log

PAGE_SIZE = 25
PEOPLE_SHOWN = 20
SESSIONS_SHOWN = 15


def _side(request, required: Side | None = None) -> Side:
    side = side_of(request.membership)
    if side is None:
        raise PermissionDenied("Les orientations sont réservées aux missions locales et au Cnam.")
    if required is not None and side != required:
        raise PermissionDenied(
            "Réservé aux missions locales." if required == Side.ML else "Réservé aux centres du Cnam."
        )
    return side


def _visible(request):
    return Referral.objects.visible_to(request.membership)


# ---------------------------------------------------------------------------------------------------
# Lists


@require_GET
def referral_list(request):
    """The mission locale's referrals."""
    return _list(request, _side(request, Side.ML))


@require_GET
def referral_inbox(request):
    """Referrals addressed to the member's Cnam site (or to the sites of their regional centre)."""
    return _list(request, _side(request, Side.CNAM))


def _list(request, side: Side):
    membership = request.membership
    referrals = _visible(request)
    data = request.GET.copy() if request.GET else None
    if data is None and side == Side.CNAM:
        data = {"status": "to_act"}  # the inbox opens on what awaits the Cnam
    form = ReferralFilterForm(data, side=side, membership=membership, referrals=referrals)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    shown = referrals
    status = chosen.get("status")
    if status == "active":
        shown = shown.active()
    elif status == "to_act":
        shown = shown.to_act_on(side)
    elif status:
        shown = shown.filter(status=status)
    if chosen.get("site"):
        shown = shown.filter(site=chosen["site"])
    if chosen.get("counsellor"):
        shown = shown.filter(sender=chosen["counsellor"])
    if chosen.get("late"):
        shown = shown.late()
    if chosen.get("q"):
        shown = shown.filter(young_person__in=YoungPerson.objects.search(chosen["q"]))
    shown = (
        shown.select_related("young_person", "site", "mission_locale", "sender", "session__action__training")
        .with_unread_count(request.user)
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    late_before = _late_before(now)
    rows = [
        (
            r,
            r.status in AWAITING_CNAM_STATUSES
            and r.awaiting_cnam_since
            and r.awaiting_cnam_since < late_before,
        )
        for r in page.object_list
    ]
    return render(
        request,
        "referrals/list.html",
        {
            "title": "Orientations" if side == Side.ML else "Orientations reçues",
            "side": side,
            "form": form,
            "page_obj": page,
            "rows": rows,
            "counts": referrals.counts(side, now),
            "url_name": "referrals:list" if side == Side.ML else "referrals:inbox",
        },
    )


def _late_before(now):
    return reminder_cutoff(now)


# ---------------------------------------------------------------------------------------------------
# The referral page


@require_GET
def referral_detail(request, pk):
    referral = get_object_or_404(_detail_queryset(request), pk=pk)
    return _render_detail(request, referral)


def _detail_queryset(request):
    return _visible(request).select_related(
        "young_person__home_commune",
        "young_person__counsellor",
        "site__commune",
        "site__parent",
        "mission_locale",
        "sender",
        "referent",
        "session__action__training",
        "redirected_from__site",
        "redirected_from__session__action__training",
    )


def _render_detail(request, referral, *, bound: dict | None = None, message_form=None, status=200):
    side = side_of(request.membership)
    bound = bound or {}
    actions = [
        (t, bound.get(t.action.value) or ACTION_FORMS[t.action.value](prefix=t.action.value))
        for t in allowed_actions(referral.status, side)
    ]
    person = referral.young_person
    _log_read(request, person)
    services.referral_mark_read(referral=referral, user=request.user)
    redirections = list(referral.redirections.select_related("site", "session__action__training"))
    context = {
        "title": f"Orientation de {person.full_name}",
        "referral": referral,
        "person": person,
        "side": side,
        "events": referral.events.select_related("actor", "organisation"),
        "thread": referral.messages.select_related("author", "organisation"),
        "actions": actions,
        "message_form": message_form or MessageForm(),
        "redirections": redirections,
        "can_redirect": side == Side.ML and referral.status in REDIRECTABLE_STATUSES and not redirections,
        "can_send_link": side == Side.ML and referral.status in ACTIVE_STATUSES and bool(person.email),
        "expires_on": expires_on(referral.awaiting_cnam_since) if referral.awaiting_cnam_since else None,
        "late": referral.awaiting_cnam_since is not None
        and referral.status in AWAITING_CNAM_STATUSES
        and referral.awaiting_cnam_since < _late_before(clock.now()),
        "list_url": reverse("referrals:list" if side == Side.ML else "referrals:inbox"),
    }
    return render(request, "referrals/detail.html", context, status=status)


@require_POST
def referral_action(request, pk, action):
    side = _side(request)
    referral = get_object_or_404(_detail_queryset(request), pk=pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404("unknown action")
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            services.referral_transition(
                referral=referral,
                action=action,
                user=request.user,
                membership=request.membership,
                **form.service_kwargs(),
            )
        except services.ReferralTransitionError as error:
            # A field's error goes back on the form; a refused step (status changed meanwhile,
            # wrong side) is a message on the fresh page.
            if error.field not in form.fields or side not in TRANSITIONS[action].sides:
                messages.error(request, error.message)
                return redirect("referrals:detail", pk=referral.pk)
            form.add_service_error(error)
        else:
            messages.success(request, f"« {TRANSITIONS[action].action.label} » : c'est enregistré.")
            return redirect("referrals:detail", pk=referral.pk)
    if side not in TRANSITIONS[action].sides or referral.status not in TRANSITIONS[action].sources:
        messages.error(request, "Cette action n'est pas possible sur cette orientation maintenant.")
        return redirect("referrals:detail", pk=referral.pk)
    return _render_detail(request, referral, bound={action: form})


@require_POST
def referral_message(request, pk):
    _side(request)
    referral = get_object_or_404(_detail_queryset(request), pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.referral_message_post(
                referral=referral,
                user=request.user,
                membership=request.membership,
                body=form.cleaned_data["body"],
            )
        except services.ReferralError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Message envoyé.")
            return redirect(reverse("referrals:detail", args=[referral.pk]) + "#fil")
    return _render_detail(request, referral, message_form=form)


@require_POST
def referral_send_link(request, pk):
    _side(request, Side.ML)
    referral = get_object_or_404(_detail_queryset(request), pk=pk)
    try:
        services.referral_young_person_link_send(
            referral=referral, user=request.user, membership=request.membership
        )
    except services.ReferralError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Courriel envoyé à {referral.young_person.email} ; les liens précédents ne fonctionnent plus.",
        )
    return redirect("referrals:detail", pk=referral.pk)


# ---------------------------------------------------------------------------------------------------
# Sending and redirecting


@require_http_methods(["GET", "POST"])
def referral_create(request):
    """``?person=ID&session=ID``: refer to a session; ``?person=ID`` alone: to a site for a
    positioning meeting; without ``person``: choose the person first (from a training page)."""
    membership = request.membership
    _side(request, Side.ML)
    person_id = request.GET.get("person", "")
    if not person_id.isdigit():
        return _choose_person(request)
    person = get_object_or_404(
        YoungPerson.objects.visible_to(membership).select_related("home_commune"), pk=person_id
    )
    session = None
    if request.GET.get("session"):
        session = get_object_or_404(_session_queryset(), pk=_int(request.GET["session"]))
    return _send_page(request, person=person, session=session)


@require_http_methods(["GET", "POST"])
def referral_redirect(request, pk):
    """Choose another session (or a site) for a referral's person, then send a new referral linked
    to this one."""
    _side(request, Side.ML)
    old = get_object_or_404(_detail_queryset(request), pk=pk)
    person = old.young_person
    if request.GET.get("session"):
        session = get_object_or_404(_session_queryset(), pk=_int(request.GET["session"]))
        return _send_page(request, person=person, session=session, redirected_from=old)
    if request.GET.get("positioning"):
        return _send_page(request, person=person, session=None, redirected_from=old)
    _log_read(request, person)
    candidates, profile_error = [], False
    try:
        ranking = recommend(person.matching_profile(), limit=SESSIONS_SHOWN + 1, near_miss_limit=0)
        candidates = [m for m in ranking.results if m.session_id != old.session_id][:SESSIONS_SHOWN]
    except ValueError:
        profile_error = True
    return render(
        request,
        "referrals/redirect_choose.html",
        {
            "title": f"Réorienter {person.full_name}",
            "referral": old,
            "person": person,
            "candidates": candidates,
            "profile_error": profile_error,
        },
    )


def _int(value: str) -> int:
    if not value.isdigit():
        raise Http404("not a number")
    return int(value)


def _session_queryset():
    return TrainingSession.objects.select_related("action__training", "action__cnam_site__commune")


def _choose_person(request):
    """A small search among the mission locale's consenting, active young people."""
    query = request.GET.get("q", "").strip()
    people = (
        YoungPerson.objects.visible_to(request.membership)
        .active()
        .filter(consent_given_at__isnull=False)
        .select_related("home_commune")
    )
    if query:
        people = people.search(query)
    elif request.membership.role == "counsellor":
        people = people.filter(counsellor=request.user)
    session = None
    if request.GET.get("session", "").isdigit():
        session = _session_queryset().filter(pk=request.GET["session"]).first()
    return render(
        request,
        "referrals/choose_person.html",
        {
            "title": "Orienter : choisir le ou la jeune",
            "people": people[:PEOPLE_SHOWN],
            "q": query,
            "session": session,
        },
    )


def _log_read(request, person):
    """The referral, send and redirect pages show the person's name, age and commune: a read of the
    record, logged for the ML manager."""
    young_person_access_log(
        young_person=person,
        user=request.user,
        organisation=request.membership.organisation,
        action=AccessAction.VIEW,
    )


def _send_page(request, *, person, session, redirected_from=None):
    membership = request.membership
    if request.method == "GET":
        _log_read(request, person)
    blocked = _blocking_reason(person, session)
    warnings, sites, distances, existing = [], None, {}, None
    site = session.action.cnam_site if session is not None else None
    if session is not None and blocked is None:
        existing = services.open_referral_to(person, session=session)
        if existing is not None and existing != redirected_from:
            blocked = f"{person.full_name} a déjà une orientation en cours vers cette session."
            if request.method == "POST":  # a double click: show the referral the first click sent
                messages.warning(request, blocked)
                return redirect("referrals:detail", pk=existing.pk)
    if session is None:
        sites, distances = _sites_by_distance(person)
    open_referrals = list(
        person.referrals.open().exclude(pk=getattr(redirected_from, "pk", None)).select_related("site")
    )
    if site is not None:
        same_site = [r for r in open_referrals if r.site_id == site.pk and r.session_id != session.pk]
        if same_site:
            warnings.append(
                f"{person.full_name} a déjà une orientation en cours vers {site.name} "
                f"({same_site[0].get_status_display().lower()})."
            )
    if any(r.status == ReferralStatus.ENROLLED for r in open_referrals):
        enrolled = next(r for r in open_referrals if r.status == ReferralStatus.ENROLLED)
        warnings.append(f"{person.full_name} est déjà entré·e en formation au Cnam ({enrolled.site.name}).")
    form = ReferralSendForm(
        request.POST if request.method == "POST" else None,
        person=person,
        sites=sites,
        distances=distances,
        warnings=warnings,
        initial={"site": sites[0].pk} if sites else None,
    )
    if request.method == "POST" and blocked is None and form.is_valid():
        kwargs = {
            "user": request.user,
            "membership": membership,
            "session": session,
            "site": form.cleaned_data.get("site") if session is None else None,
            "message": form.cleaned_data.get("message", ""),
            "notify_young_person": form.cleaned_data.get("notify_young_person", False),
        }
        try:
            if redirected_from is not None:
                referral = services.referral_redirect(referral=redirected_from, **kwargs)
            else:
                referral = services.referral_send(young_person=person, **kwargs)
        except services.ReferralError as error:
            if error.referral is not None:  # e.g. a double click: the first click's referral
                messages.warning(request, error.message)
                return redirect("referrals:detail", pk=error.referral.pk)
            form.add_service_error(error)
        else:
            messages.success(request, f"Orientation envoyée à {referral.site.name}.")
            return redirect("referrals:detail", pk=referral.pk)
    response_sites = [site.pk] if site is not None else [s.pk for s in sites[:10]]
    return render(
        request,
        "referrals/create.html",
        {
            "title": f"{'Réorienter' if redirected_from else 'Orienter'} {person.full_name}",
            "person": person,
            "session": session,
            "site": site,
            "form": form,
            "blocked": blocked,
            "existing": existing,
            "warnings": warnings,
            "redirected_from": redirected_from,
            "typical": typical_response(response_sites),
            "nearest_sites": [s for s in (sites or []) if s.pk in response_sites],
        },
    )


def _blocking_reason(person, session) -> str | None:
    if not person.has_consent:
        return (
            f"L'accord de {person.full_name} pour transmettre ses informations au Cnam n'est pas enregistré : "
            "aucune orientation n'est possible."
        )
    if person.is_archived:
        return f"La fiche de {person.full_name} est archivée : réactivez-la pour l'orienter."
    if session is not None and not TrainingSession.objects.receivable().filter(pk=session.pk).exists():
        return "Cette session ne reçoit plus d'orientation (inscriptions closes, session commencée ou sans centre Cnam)."
    return None


def _sites_by_distance(person) -> tuple[list[CnamSite], dict[int, float | None]]:
    """Every Cnam site and regional centre (both receive positioning meetings), nearest to the
    person's home first, with the distances in km (None when a commune has no coordinates)."""
    home = person.home_commune

    def km(site):
        c = site.commune
        if None in (home.latitude, home.longitude, c.latitude, c.longitude):
            return None
        lat1, lon1, lat2, lon2 = map(math.radians, (home.latitude, home.longitude, c.latitude, c.longitude))
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * 6371 * math.asin(math.sqrt(h))

    sites = list(CnamSite.objects.select_related("commune"))
    distances = {site.pk: km(site) for site in sites}
    sites.sort(
        key=lambda s: (
            math.inf if distances[s.pk] is None else distances[s.pk],
            s.site_kind != CnamSiteKind.SITE,
            s.name,
        )
    )
    return sites, distances


# ---------------------------------------------------------------------------------------------------
# Preferences


@require_http_methods(["GET", "POST"])
def preferences(request):
    _side(request)
    current = (
        NotificationPreference.objects.filter(user=request.user).values_list("frequency", flat=True).first()
        or EmailFrequency.IMMEDIATE
    )
    form = PreferenceForm(request.POST or None, initial={"frequency": current})
    if request.method == "POST" and form.is_valid():
        NotificationPreference.objects.update_or_create(
            user=request.user, defaults={"frequency": form.cleaned_data["frequency"]}
        )
        messages.success(request, "Votre préférence est enregistrée.")
        return redirect("referrals:preferences")
    return render(
        request, "referrals/preferences.html", {"title": "Mes courriels sur les orientations", "form": form}
    )


# ---------------------------------------------------------------------------------------------------
# The young person's link (public)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def young_person_link(request, token):
    context = {"title": "Votre orientation vers le Cnam"}
    try:
        referral = read_token(token)
    except services.LinkError as error:
        context |= {"error": error, "referral": error.referral}
        return _public(
            render(
                request,
                "referrals/young_person_link.html",
                context,
                status=404 if error.kind == "forged" else 410,
            )
        )
    context["referral"] = referral
    if not referral.is_active:
        context["closed"] = True
        return _public(render(request, "referrals/young_person_link.html", context))
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("confirm", "withdraw"):
            context["form_error"] = "Choisissez l'une des deux réponses."
            return _public(render(request, "referrals/young_person_link.html", context, status=400))
        try:
            referral = services.referral_young_person_answer(token=token, answer=answer)
        except services.LinkError as error:
            context |= {"error": error}
            return _public(render(request, "referrals/young_person_link.html", context, status=410))
        context |= {"answered": answer, "referral": referral}
    return _public(render(request, "referrals/young_person_link.html", context))


def _public(response):
    # The token is in the URL: keep it out of Referer headers and of search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
