"""The open-data export of aggregates (``export_stats``): national tables, and one table per kind
of territory or organisation, every small count masked. Files are CSV (UTF-8, comma-separated),
described in a LISEZMOI.txt written beside them."""

from pathlib import Path

from django.utils import timezone

from tremplin.network.models import CnamSite, MissionLocale
from tremplin.stats import exports, indicators
from tremplin.stats.dimensions import ENTRY_SUFFIX
from tremplin.stats.figures import figures_for
from tremplin.stats.masking import mask_parts, ratio
from tremplin.stats.periods import Period
from tremplin.stats.scopes import FRANCE_SCOPE
from tremplin.stats.tables import CODE, COUNT, RATE, TEXT, Column, Table

README = """Tremplin — orientations des jeunes des missions locales vers le Cnam
Données agrégées, {period}. Export du {now:%d/%m/%Y à %H:%M}{as_of}.

Chaque chiffre compte les orientations envoyées pendant la période ; leurs étapes suivantes
(prise en charge, admission, entrée en formation, fin de formation) sont comptées avec elles.
Secret statistique : les effectifs de 1 à 4 sont remplacés par « < 5 », ainsi qu'un second effectif
quand un seul serait masqué dans un tableau dont le total est publié ; les taux et délais
qui permettraient de les retrouver le sont aussi. Aucune donnée ne concerne une personne.
Taux : en pourcentage, une décimale. Délais : en jours calendaires depuis l'envoi.

Fichiers :
{files}
"""


def organisation_table(figures, *, dimension: str) -> Table:
    """Referrals and entries per mission locale (with its i-milo code) or Cnam site (with its code)."""
    if dimension == "mission_locale":
        key, title, code_label = "missions-locales", "Orientations par mission locale", "Code i-milo"
        rows = MissionLocale.objects.values_list("pk", "code", "name", "department_id")
        extra = Column("department", "Département", CODE)
    else:
        key, title, code_label = "centres-cnam", "Orientations par centre Cnam", "Code du centre"
        rows = CnamSite.objects.values_list("pk", "code", "name", "parent__name")
        extra = Column("regional_centre", "Centre régional", TEXT)
    counts, entries = figures.total(dimension), figures.total(dimension + ENTRY_SUFFIX)
    organisations = sorted(rows, key=lambda row: (row[1]))
    shown = mask_parts([counts.get(str(pk), 0) for pk, *_ in organisations])
    shown_entries = mask_parts([entries.get(str(pk), 0) for pk, *_ in organisations])
    table = Table(
        key=key,
        title=title,
        columns=[
            Column("code", code_label, CODE),
            Column("name", "Nom", TEXT),
            extra,
            Column("count", "Orientations", COUNT),
            Column("entries", "Entrées en formation", COUNT),
            Column("entry_rate", "Taux d'entrée en formation", RATE),
        ],
    )
    for (_, code, name, other), count, entry in zip(organisations, shown, shown_entries, strict=True):
        table.rows.append([code, name, other or "", count, entry, ratio(entry, count)])
    return table


def write(out_dir: Path, period: Period) -> list[Path]:
    """Write the files; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = figures_for(FRANCE_SCOPE, period)
    tables = indicators.all_tables(figures, mask=True)
    tables["missions-locales"] = organisation_table(figures, dimension="mission_locale")
    tables["centres-cnam"] = organisation_table(figures, dimension="site")
    written = []
    for key, table in tables.items():
        path = out_dir / f"{key}.csv"
        path.write_bytes(exports.to_csv(table))
        written.append(path)
    readme = out_dir / "LISEZMOI.txt"
    as_of = (
        f", agrégats arrêtés au {timezone.localtime(figures.as_of):%d/%m/%Y à %H:%M}" if figures.as_of else ""
    )
    readme.write_text(
        README.format(
            period=f"orientations envoyées {period.label} ({period.slug})",
            now=timezone.localtime(),
            as_of=as_of,
            files="\n".join(f"- {key}.csv : {table.title}" for key, table in tables.items()),
        ),
        encoding="utf-8",
    )
    return [*written, readme]
