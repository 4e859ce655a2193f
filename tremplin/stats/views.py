"""Dashboards, maps and exports of the partnership's figures. Steering sees aggregates only, masked
under 5; an ML manager sees their mission locale; a Cnam regional administrator their centre and its
sites (see scopes.py). Every table can be downloaded as CSV or XLSX, always masked."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from tremplin.accounts.enums import Role
from tremplin.stats import charts, exports, indicators
from tremplin.stats import reach as reach_analysis
from tremplin.stats.figures import figures_for
from tremplin.stats.forms import DashboardForm, ReachForm
from tremplin.stats.periods import Period
from tremplin.stats.scopes import CENTRE, FRANCE, REGION, Scope, access_for, scope_from_key, steering_choices
from tremplin.stats.tables import DECIMAL, RATE
from tremplin.territories.models import Department, Region

MAP_KINDS = {FRANCE, REGION, CENTRE}
FORMATS = ("csv", "xlsx")
ALL_TABLES = "tableaux"
# The dashboard's sections of bar charts, each followed by its table.
SECTIONS = {
    "issues": ("statuts", "motifs-refus", "motifs-retrait", "issues"),
    "publics": ("ages", "niveaux", "bac", "dispositifs"),
    "territoires": ("tailles-communes", "missions-locales", "centres-cnam"),
    "formations": ("niveaux-certification", "domaines-rome", "modalites"),
}
BAR_LIMIT = 15  # bars of a chart; its table lists every value


def _access(request):
    access = access_for(request.membership)
    if access is None:
        raise PermissionDenied(
            "Les tableaux de bord sont réservés au pilotage, aux responsables de mission locale et aux administrateurs régionaux du Cnam."
        )
    return access


def _form_and_scope(request, access) -> tuple[DashboardForm, Scope]:
    key = request.GET.get("scope") or access.default.key
    scope = access.default if key == access.default.key else scope_from_key(key)
    if scope is None or not access.allows(scope):
        raise Http404("Périmètre inconnu ou hors de votre organisation.")
    return DashboardForm(request.GET, default_period=Period.last_months(12)), scope


def _scope_options(access, scope: Scope) -> str:
    """The <option>s of the scope <select> (empty when there is nothing to choose)."""
    if access.any_scope:
        groups = steering_choices()
    elif len(access.choices) > 1:
        groups = [("", [(s.key, s.label) for s in access.choices])]
    else:
        return ""

    def options(choices):
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, " selected" if v == scope.key else "", label) for v, label in choices),
        )

    if len(groups) == 1:
        return options(groups[0][1])
    return format_html_join(
        "", '<optgroup label="{}">{}</optgroup>', ((label, options(choices)) for label, choices in groups)
    )


def _query(scope: Scope, period: Period) -> str:
    return f"?scope={scope.key}&start={period.start:%Y-%m}&end={period.end:%Y-%m}"


@require_GET
def dashboard(request):
    access = _access(request)
    form, scope = _form_and_scope(request, access)
    period = form.period
    mask = access.mask
    figures = figures_for(scope, period)
    tables = indicators.all_tables(figures, mask=mask)
    query = _query(scope, period)
    funnel = charts.bar_chart(tables["entonnoir"], label_column="step", value_column="count")
    funnel.description = charts.funnel_description(tables["entonnoir"])
    context = {
        "title": "Tableau de bord",
        "form": form,
        "scope_options": _scope_options(access, scope),
        "scope": scope,
        "period": period,
        "figures": figures,
        "mask": mask,
        "key": indicators.key_figures(figures, tables, mask=mask),
        "tables": tables,
        "funnel": funnel,
        "monthly": charts.line_chart(tables["mois"], ["sent", "enrolled"]),
        "sections": {
            section: [(charts.bar_chart(tables[key], limit=BAR_LIMIT), tables[key]) for key in keys]
            for section, keys in SECTIONS.items()
        },
        "map": _referrals_map(tables["departements"], scope) if scope.kind in MAP_KINDS else None,
        "query": query,
        "export_all": reverse("stats:export", args=[ALL_TABLES, "xlsx"]) + query,
        "can_see_reach": request.membership.role == Role.STEERING,
    }
    return render(request, "stats/dashboard.html", context)


def _referrals_map(table, scope: Scope):
    # A département without referral has a rate of 0; one with a hidden count has a hidden rate.
    values = {row[0]: row[-1] for row in table.rows}
    names = dict(Department.objects.values_list("code", "name"))
    codes = None
    if scope.kind == REGION:
        codes = list(Department.objects.filter(region_id=scope.code).values_list("code", flat=True))
    for code in codes or names:
        values.setdefault(code, 0)
    title = "Orientations pour 10 000 habitants, par département de résidence"
    return charts.choropleth(
        values,
        names,
        id_="carte-orientations",
        title=title,
        description=charts.describe_map(
            values, names, title=title, unit="orientations pour 10 000 habitants"
        ),
        unit="orientations pour 10 000 habitants",
        kind=DECIMAL,
        codes=codes,
    )


@require_GET
def export(request, key: str, fmt: str):
    """One table (CSV or XLSX), or every table in one workbook (``tableaux.xlsx``). Always masked."""
    access = _access(request)
    if fmt not in FORMATS:
        raise Http404("Format inconnu.")
    form, scope = _form_and_scope(request, access)
    period = form.period
    tables = indicators.all_tables(figures_for(scope, period), mask=True)
    note = f"{scope.label}, orientations envoyées {period.label}. Effectifs inférieurs à 5 masqués (« < 5 »)."
    base = f"tremplin-{scope.key.replace(':', '-')}-{period.slug.replace('..', '_')}"
    if key == ALL_TABLES and fmt == "xlsx":
        return _file(exports.to_xlsx(list(tables.values()), note=note), f"{base}.xlsx", fmt)
    if key not in tables:
        raise Http404("Tableau inconnu.")
    if fmt == "csv":
        return _file(exports.to_csv(tables[key]), f"{base}-{key}.csv", fmt)
    return _file(exports.to_xlsx([tables[key]], note=note), f"{base}-{key}.xlsx", fmt)


def _file(content: bytes, filename: str, fmt: str) -> HttpResponse:
    content_type = exports.CSV_CONTENT_TYPE if fmt == "csv" else exports.XLSX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------------
# Reach


def _reach_access(request) -> None:
    if request.membership is None or request.membership.role != Role.STEERING:
        raise PermissionDenied("L'analyse de la couverture territoriale est réservée au pilotage.")


def _reach_tables(request):
    regions = list(Region.objects.order_by("name").values_list("code", "name"))
    form = ReachForm(request.GET or None, regions=regions)
    region = form.cleaned_data["region"] if form.is_valid() else ""
    departments = (
        list(Department.objects.filter(region_id=region).values_list("code", flat=True)) if region else None
    )
    analysis = reach_analysis.analyse()
    tables = {
        t.key: t
        for t in (
            reach_analysis.summary_table(analysis, mask=True, departments=departments),
            reach_analysis.department_table(analysis, departments=departments),
            reach_analysis.missions_locales_table(analysis, mask=True, departments=departments),
            reach_analysis.farthest_communes_table(analysis, departments=departments),
        )
    }
    return form, region, departments, analysis, tables


@require_GET
def reach(request):
    _reach_access(request)
    form, region, departments, analysis, tables = _reach_tables(request)
    names = dict(Department.objects.values_list("code", "name"))
    department_table = tables["portee-departements"]
    values = {row[0]: row[3] for row in department_table.rows}
    markers = []
    for site in analysis.sites:
        point = charts.geo.point(site.latitude, site.longitude, site.department_code)
        if point is not None and (departments is None or site.department_code in departments):
            markers.append(charts.Marker(point[0], point[1], f"{site.name} ({site.commune_name})"))
    title = "Part des habitants à plus de 30 km d'un centre Cnam, par département"
    map_chart = charts.choropleth(
        values,
        names,
        id_="carte-portee",
        title=title,
        description=charts.describe_map(values, names, title=title, unit="des habitants", kind=RATE),
        unit="des habitants",
        kind=RATE,
        codes=departments,
        markers=markers,
    )
    query = f"?region={region}" if region else ""
    return render(
        request,
        "stats/reach.html",
        {
            "title": "Couverture territoriale du Cnam",
            "form": form,
            "summary": tables["portee-synthese"],
            "departments": department_table,
            "missions_locales": tables["portee-missions-locales"],
            "communes": tables["portee-communes"],
            "map": map_chart,
            "sites": len(analysis.sites),
            "query": query,
            "region_label": dict(Region.objects.values_list("code", "name")).get(region, ""),
            "missions_locales_chart": charts.bar_chart(
                tables["portee-missions-locales"], label_column="name", value_column="distance", limit=10
            ),
        },
    )


@require_GET
def reach_export(request, key: str, fmt: str):
    _reach_access(request)
    if fmt not in FORMATS:
        raise Http404("Format inconnu.")
    _, region, _, _, tables = _reach_tables(request)
    base = "tremplin-portee" + (f"-region-{region}" if region else "")
    if key == ALL_TABLES and fmt == "xlsx":
        return _file(exports.to_xlsx(list(tables.values())), f"{base}.xlsx", fmt)
    if key not in tables:
        raise Http404("Tableau inconnu.")
    if fmt == "csv":
        return _file(exports.to_csv(tables[key]), f"{base}-{key}.csv", fmt)
    return _file(exports.to_xlsx([tables[key]]), f"{base}-{key}.xlsx", fmt)
