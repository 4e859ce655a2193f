"""Reading the ROME v4 referential of France Travail from the files the ecosystem publishes.

Accepted files (recognised by their header, whatever their name):

- the flattened tree, CSV with a header ``code_grand_domaine, libelle_grand_domaine,
  code_domaine_professionnel, libelle_domaine_professionnel, code_rome, libelle_rome``
  (``rome_v4_arborescence_derived.csv``): grands domaines, domaines and fiches;
- a list of fiches, CSV ``code_rome, libelle_rome[, …]`` (les-emplois ``jobs_rome``): fiche labels;
- a list of appellations, CSV ``code_appellation, libelle_appellation, code_rome[, …]``
  (les-emplois ``jobs_appellation``);
- the pass-emploi JSON list of ``{"libelle", "code", "appellation_code"}`` (``metiers-rome.json``):
  fiche labels (empty ``appellation_code``) and appellations.

CSV files may be comma- or semicolon-separated, with or without a UTF-8 BOM. A fiche or an
appellation needs its parent (domaine, fiche) to exist, in the database or earlier in the run: give
the tree first (a directory is read in the right order).
"""

import csv
import json
import re
from collections import Counter
from pathlib import Path

from tremplin.catalog.bulk import upsert
from tremplin.catalog.models import RomeAppellation, RomeDomain, RomeFiche, RomeGrandDomain
from tremplin.utils.importing import ImportReport

ROME_CODE = re.compile(r"[A-N]\d{4}")
TREE_HEADER = {"code_grand_domaine", "libelle_grand_domaine", "code_domaine_professionnel", "code_rome"}


class RomeFormatError(Exception):
    pass


def files_in_order(path: Path) -> list[Path]:
    """The files of a directory that look like ROME files, the tree first, appellations last."""
    if not path.is_dir():
        return [path]

    def rank(file: Path) -> tuple[int, str]:
        # The tree first (it creates the domains), then the older JSON, so that the newer CSV lists win.
        name = file.name.lower()
        if "arbo" in name:
            return (0, name)
        if file.suffix == ".json":
            return (1, name)
        return (3, name) if "appellation" in name else (2, name)

    candidates = [file for file in path.iterdir() if file.suffix in (".csv", ".json")]
    # The pass-emploi "ArboPrincipale" export has no codes on its header lines: nothing to take from it.
    candidates = [file for file in candidates if "arboprincipale" not in file.name.lower()]
    return sorted(candidates, key=rank)


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    return [name.strip() for name in reader.fieldnames or []], list(reader)


def import_file(path: Path, report: ImportReport) -> Counter:
    """Import one file into the referential; problems go to ``report`` with their line."""
    counts = Counter()
    if path.suffix == ".json":
        _import_json(path, report, counts)
        return counts
    header, rows = _read_csv(path)
    columns = set(header)
    if TREE_HEADER <= columns:
        _import_tree(path, rows, report, counts)
    elif {"code_appellation", "libelle_appellation", "code_rome"} <= columns:
        appellations = [
            (f"{path.name}, ligne {line}", r["code_appellation"], r["libelle_appellation"], r["code_rome"])
            for line, r in enumerate(rows, start=2)
        ]
        _import_appellations(appellations, report, counts)
    elif {"code_rome", "libelle_rome"} <= columns:
        fiches = [
            (f"{path.name}, ligne {line}", r["code_rome"], r["libelle_rome"])
            for line, r in enumerate(rows, start=2)
        ]
        _import_fiches(fiches, report, counts)
    else:
        raise RomeFormatError(
            f"{path.name} : colonnes non reconnues ({', '.join(header[:6])}). Attendu : l'arborescence "
            "(code_grand_domaine, …, code_rome, libelle_rome), les fiches (code_rome, libelle_rome) ou les "
            "appellations (code_appellation, libelle_appellation, code_rome)."
        )
    return counts


def _import_tree(path: Path, rows: list[dict], report: ImportReport, counts: Counter) -> None:
    grand_domains, domains, fiches = {}, {}, {}
    for line, row in enumerate(rows, start=2):
        code = row["code_rome"].strip()
        if not ROME_CODE.fullmatch(code):
            report.error(f"{path.name}, ligne {line}", "code_rome", f"code ROME invalide « {code} »")
            continue
        grand, domain = row["code_grand_domaine"].strip(), row["code_domaine_professionnel"].strip()
        if grand != code[0] or domain != code[:3]:
            report.error(
                f"{path.name}, ligne {line}",
                "code_domaine_professionnel",
                f"{domain} ne contient pas la fiche {code}",
            )
            continue
        grand_domains[grand] = {"label": row["libelle_grand_domaine"].strip()}
        domains[domain] = {"label": row["libelle_domaine_professionnel"].strip(), "grand_domain_id": grand}
        fiches[code] = {"label": row["libelle_rome"].strip(), "domain_id": domain}
    upsert(RomeGrandDomain, grand_domains, counts=counts)
    upsert(RomeDomain, domains, counts=counts)
    upsert(RomeFiche, fiches, counts=counts)


def _import_fiches(rows: list[tuple[str, str, str]], report: ImportReport, counts: Counter) -> None:
    """``rows``: (location, code, label)."""
    known_domains = set(RomeDomain.objects.values_list("pk", flat=True))
    fiches = {}
    for where, code, label in rows:
        code = code.strip()
        if not ROME_CODE.fullmatch(code):
            report.error(where, "code_rome", f"code ROME invalide « {code} »")
        elif code[:3] not in known_domains:
            report.error(
                where,
                "code_rome",
                f"domaine professionnel {code[:3]} inconnu : importez d'abord l'arborescence du ROME",
            )
        else:
            fiches[code] = {"label": label.strip(), "domain_id": code[:3]}
    upsert(RomeFiche, fiches, counts=counts)


def _import_appellations(
    rows: list[tuple[str, str, str, str]], report: ImportReport, counts: Counter
) -> None:
    """``rows``: (location, code, label, ROME code)."""
    known_fiches = set(RomeFiche.objects.values_list("pk", flat=True))
    appellations = {}
    for where, code, label, rome in rows:
        code, rome = code.strip(), rome.strip()
        if not code.isdigit():
            report.error(where, "code_appellation", f"code OGR invalide « {code} »")
        elif rome not in known_fiches:
            report.error(where, "code_rome", f"fiche ROME inconnue « {rome} »")
        else:
            appellations[code] = {"label": label.strip()[:250], "fiche_id": rome}
    upsert(RomeAppellation, appellations, counts=counts)


def _import_json(path: Path, report: ImportReport, counts: Counter) -> None:
    try:
        records = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise RomeFormatError(
            f"{path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg})"
        ) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) and "code" in r for r in records[:10]):
        raise RomeFormatError(f"{path.name} : attendu une liste d'objets {{libelle, code, appellation_code}}")
    # JSON records have no line numbers: a problem names the record's position (1 = first).
    fiches, appellations = [], []
    for position, record in enumerate(records, start=1):
        where = f"{path.name}, enregistrement {position}"
        if record.get("appellation_code"):
            appellations.append(
                (where, str(record["appellation_code"]), record.get("libelle", ""), record["code"])
            )
        else:
            fiches.append((where, record["code"], record.get("libelle", "")))
    _import_fiches(fiches, report, counts)
    _import_appellations(appellations, report, counts)
