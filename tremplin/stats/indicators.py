"""The indicators of a dashboard, as tables (what the pages show under each chart and every export
writes), computed from the counts of ``figures.Figures``.

Definitions (all over the referrals *sent* during the period and in the scope):
- a step is *reached* when its date is recorded: acknowledged_at, meeting_planned_at, an admission
  (decided_at, unless that decision was the refusal), enrolled_at, and status "completed";
- delays are whole calendar days from sending to the step (the meeting's own date for "entretien");
  the median and the 90th percentile are the nearest-rank values (the smallest delay that at least
  half, or 90 %, of the referrals did not exceed);
- rates are shares of the referrals sent, unless the column says otherwise;
- the "who" and "where" figures read the young person's record as it is now.
"""

import math
from collections import Counter

from django.db.models import Sum

from tremplin.catalog.models import RomeGrandDomain
from tremplin.network.models import CnamSite, MissionLocale
from tremplin.stats.dimensions import DELAYS, DIMENSIONS, ENTRY_SUFFIX, STEPS, UNKNOWN
from tremplin.stats.figures import Figures
from tremplin.stats.masking import MASKED, mask_count, mask_parts, ratio
from tremplin.stats.periods import month_label
from tremplin.stats.tables import CODE, COUNT, DAYS, DECIMAL, RATE, TEXT, Column, Table
from tremplin.territories.enums import CommuneKind
from tremplin.territories.models import Commune, Department, Region

PER_INHABITANTS = 10_000


def percentile(histogram: Counter, fraction: float) -> int | None:
    """Nearest-rank percentile of integer values given as value -> count."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - the loop always reaches the rank


def _int_histogram(counts: Counter) -> Counter:
    return Counter({int(value): n for value, n in counts.items()})


# ---------------------------------------------------------------------------------------------------


# The step each rate of passage is measured against. An admission may come without a meeting
# (distance learning, a complete file): admissions are measured against acknowledgements.
PREVIOUS_STEP = {
    "acknowledged": "sent",
    "meeting": "acknowledged",
    "admitted": "acknowledged",
    "enrolled": "admitted",
    "completed": "enrolled",
}


def funnel_table(figures: Figures, *, mask: bool) -> Table:
    reached = figures.total("step")
    counts = {key: mask_count(reached.get(key, 0), enabled=mask) for key, _ in STEPS}
    table = Table(
        key="entonnoir",
        title="Parcours des orientations",
        columns=[
            Column("step", "Étape", TEXT),
            Column("count", "Orientations", COUNT),
            Column("of_sent", "Part des orientations envoyées", RATE),
            Column("passage", "Taux de passage", RATE),
        ],
        note=(
            "Une orientation compte à chaque étape qu'elle a atteinte, quel que soit son statut actuel. "
            "Taux de passage : part de l'étape précédente (entretiens et admissions : part des prises en "
            "charge, une admission pouvant se passer d'entretien)."
        ),
    )
    for key, label in STEPS:
        previous = PREVIOUS_STEP.get(key)
        table.rows.append(
            [
                label,
                counts[key],
                ratio(counts[key], counts["sent"]),
                ratio(counts[key], counts[previous]) if previous else None,
            ]
        )
    return table


def monthly_table(figures: Figures, *, mask: bool) -> Table:
    series = {key: figures.monthly("step", key) for key in ("sent", "acknowledged", "enrolled")}
    table = Table(
        key="mois",
        title="Orientations envoyées chaque mois",
        columns=[
            Column("month", "Mois d'envoi", TEXT),
            Column("sent", "Orientations envoyées", COUNT),
            Column("acknowledged", "dont prises en charge", COUNT),
            Column("enrolled", "dont entrées en formation", COUNT),
        ],
        note="Les étapes sont comptées au mois d'envoi de l'orientation.",
    )
    for month in figures.period.months:
        table.rows.append(
            [month_label(month)]
            + [mask_count(series[key][month], enabled=mask) for key in ("sent", "acknowledged", "enrolled")]
        )
    return table


def _breakdown(
    figures: Figures,
    *,
    dimension: str,
    key: str,
    title: str,
    mask: bool,
    labels: dict[str, str] | None = None,
    order: list[str] | None = None,
    with_entries: bool = True,
    value_column: tuple[str, str] | None = None,
    denominator_label: str = "Part des orientations",
    include_zeros: bool = True,
) -> Table:
    """A table of referrals (and entries in training) per value of ``dimension``.

    ``order``: the values in display order (all of them, zeros included); otherwise by decreasing count."""
    dim = DIMENSIONS[dimension]
    counts = figures.total(dimension)
    entries = figures.total(dimension + ENTRY_SUFFIX) if with_entries else Counter()
    if order is None:
        order = sorted(counts, key=lambda v: (-counts[v], v))
    elif not include_zeros:
        order = [v for v in order if counts.get(v)]
    order = order + sorted(v for v in counts if v not in order)  # values the vocabulary does not know
    columns = []
    if value_column:
        columns.append(Column("code", value_column[0], CODE))
    columns += [
        Column("value", dim.label, TEXT),
        Column("count", "Orientations", COUNT),
        Column("share", denominator_label, RATE),
    ]
    if with_entries:
        columns += [
            Column("entries", "Entrées en formation", COUNT),
            Column("entry_rate", "Taux d'entrée en formation", RATE),
        ]
    table = Table(key=key, title=title, columns=columns)
    shown = mask_parts([counts.get(v, 0) for v in order], enabled=mask)
    shown_entries = mask_parts([entries.get(v, 0) for v in order], enabled=mask)
    total = mask_count(sum(counts.values()), enabled=mask)
    for value, count, entry in zip(order, shown, shown_entries, strict=True):
        label = (labels or {}).get(value) or dim.label_of(value)
        row = ([value] if value_column else []) + [label, count, ratio(count, total)]
        if with_entries:
            row += [entry, ratio(entry, count)]
        table.rows.append(row)
    return table


def _choice_order(dimension: str) -> list[str]:
    return [value for value, _ in DIMENSIONS[dimension].choices]


def status_table(figures: Figures, *, mask: bool) -> Table:
    return _breakdown(
        figures,
        dimension="status",
        key="statuts",
        title="Statut actuel des orientations",
        mask=mask,
        order=_choice_order("status"),
        with_entries=False,
    )


def delays_table(figures: Figures, *, mask: bool) -> Table:
    table = Table(
        key="delais",
        title="Délais de réponse du Cnam",
        columns=[
            Column("stage", "Délai", TEXT),
            Column("count", "Orientations concernées", COUNT),
            Column("median", "Médiane", DAYS),
            Column("p90", "9 orientations sur 10 en moins de", DAYS),
        ],
        note="En jours calendaires depuis l'envoi. Non calculés sur moins de 5 orientations pour les pages de pilotage.",
    )
    for key, label in DELAYS:
        histogram = _int_histogram(figures.total(key))
        n = sum(histogram.values())
        if mask and 0 < n < 5:
            table.rows.append([label, MASKED, MASKED, MASKED])
        else:
            table.rows.append([label, n, percentile(histogram, 0.5), percentile(histogram, 0.9)])
    return table


def reasons_table(figures: Figures, *, dimension: str, key: str, title: str, mask: bool, of: str) -> Table:
    return _breakdown(
        figures,
        dimension=dimension,
        key=key,
        title=title,
        mask=mask,
        order=_choice_order(dimension),
        with_entries=False,
        denominator_label=of,
    )


def population_by_department() -> dict[str, int]:
    return dict(
        Commune.objects.filter(kind=CommuneKind.COMMUNE)
        .values_list("department_id")
        .annotate(population=Sum("population"))
        .order_by()
    )


def departments_table(figures: Figures, *, mask: bool, population: dict[str, int] | None = None) -> Table:
    names = dict(Department.objects.values_list("code", "name"))
    population = population_by_department() if population is None else population
    table = _breakdown(
        figures,
        dimension="department",
        key="departements",
        title="Orientations par département de résidence",
        mask=mask,
        labels=names,
        value_column=("Code", "code"),
    )
    table.columns.append(
        Column("per_10000", f"Pour {PER_INHABITANTS:,} habitants".replace(",", "\u202f"), DECIMAL)
    )
    for row in table.rows:
        inhabitants = population.get(row[0])
        row.append(ratio(row[2], inhabitants / PER_INHABITANTS) if inhabitants else None)
    table.rows.sort(key=lambda row: row[0])
    return table


def regions_table(figures: Figures, *, mask: bool) -> Table:
    return _breakdown(
        figures,
        dimension="region",
        key="regions",
        title="Orientations par région de résidence",
        mask=mask,
        labels=dict(Region.objects.values_list("code", "name")),
        value_column=("Code", "code"),
    )


def organisations_table(figures: Figures, *, dimension: str, mask: bool) -> Table:
    model, key, title = {
        "mission_locale": (MissionLocale, "missions-locales", "Orientations par mission locale"),
        "site": (CnamSite, "centres-cnam", "Orientations par centre Cnam"),
    }[dimension]
    ids = [int(v) for v in figures.total(dimension) if v.isdigit()]
    names = {str(pk): name for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")}
    table = _breakdown(figures, dimension=dimension, key=key, title=title, mask=mask, labels=names)
    return table


def rome_table(figures: Figures, *, mask: bool) -> Table:
    labels = dict(RomeGrandDomain.objects.values_list("code", "label"))
    labels = {code: f"{code} – {label}" for code, label in labels.items()}
    return _breakdown(
        figures,
        dimension="rome",
        key="domaines-rome",
        title="Orientations par grand domaine ROME de la formation",
        mask=mask,
        labels=labels,
    )


def choice_table(
    figures: Figures, *, dimension: str, key: str, title: str, mask: bool, include_zeros=True
) -> Table:
    return _breakdown(
        figures,
        dimension=dimension,
        key=key,
        title=title,
        mask=mask,
        order=_choice_order(dimension) + ([UNKNOWN] if dimension == "cert_level" else []),
        include_zeros=include_zeros,
    )


def all_tables(figures: Figures, *, mask: bool) -> dict[str, Table]:
    """Every table of the dashboard, by key (the order of the page)."""
    tables = [
        funnel_table(figures, mask=mask),
        monthly_table(figures, mask=mask),
        status_table(figures, mask=mask),
        delays_table(figures, mask=mask),
        reasons_table(
            figures,
            dimension="refusal",
            key="motifs-refus",
            title="Motifs de refus",
            mask=mask,
            of="Part des refus",
        ),
        reasons_table(
            figures,
            dimension="withdrawal",
            key="motifs-retrait",
            title="Motifs de retrait",
            mask=mask,
            of="Part des retraits",
        ),
        reasons_table(
            figures,
            dimension="outcome",
            key="issues",
            title="Issue des formations terminées",
            mask=mask,
            of="Part des formations terminées",
        ),
        choice_table(figures, dimension="age", key="ages", title="Âge des jeunes à l'envoi", mask=mask),
        choice_table(
            figures, dimension="level", key="niveaux", title="Niveau de diplôme des jeunes", mask=mask
        ),
        choice_table(
            figures, dimension="bac", key="bac", title="Jeunes avec ou sans le baccalauréat", mask=mask
        ),
        choice_table(
            figures,
            dimension="programme",
            key="dispositifs",
            title="Dispositif suivi à la mission locale",
            mask=mask,
        ),
        choice_table(
            figures,
            dimension="size",
            key="tailles-communes",
            title="Taille de la commune de résidence",
            mask=mask,
        ),
        regions_table(figures, mask=mask),
        departments_table(figures, mask=mask),
        organisations_table(figures, dimension="mission_locale", mask=mask),
        organisations_table(figures, dimension="site", mask=mask),
        choice_table(
            figures,
            dimension="cert_level",
            key="niveaux-certification",
            title="Niveau de la certification visée",
            mask=mask,
        ),
        rome_table(figures, mask=mask),
        choice_table(figures, dimension="mode", key="modalites", title="Modalité d'enseignement", mask=mask),
    ]
    return {table.key: table for table in tables}


def key_figures(figures: Figures, tables: dict[str, Table], *, mask: bool) -> dict:
    """The headline numbers: referrals, young people, entries, completions, answer delay, expiry."""
    funnel, steps = tables["entonnoir"], dict(STEPS)
    return {
        "sent": funnel.cell(steps["sent"], "count"),
        "young_people": mask_count(figures.young_people, enabled=mask),
        "entries": funnel.cell(steps["enrolled"], "count"),
        "entry_rate": funnel.cell(steps["enrolled"], "of_sent"),
        "completed": funnel.cell(steps["completed"], "count"),
        "ack_median": tables["delais"].cell(DELAYS[0][1], "median"),
        "expired_share": tables["statuts"].cell(DIMENSIONS["status"].label_of("expired"), "share"),
    }
