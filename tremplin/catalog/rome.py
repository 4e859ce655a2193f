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

CSV files may be comma- or semicolon-separated, with or without a UTF-8 BOM. All files of a run are
read before anything is written; where two files give a label for the same code, the later file wins
(a directory is read tree first, then the 2023 JSON, then the 2024 CSV lists). A fiche or an
appellation needs its parent (domaine, fiche), given in the same run or already stored.
"""

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

from tremplin.catalog.bulk import upsert
from tremplin.catalog.models import RomeAppellation, RomeDomain, RomeFiche, RomeGrandDomain
from tremplin.utils.importing import ImportReport
from tremplin.utils.textfiles import FileRefused, read_text

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
    try:
        text = read_text(path)
    except FileRefused as exc:
        raise RomeFormatError(str(exc)) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # A short row reads as empty values; cells beyond the header are ignored.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, restval="")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise RomeFormatError(f"{path.name}, ligne {reader.line_num} : ligne illisible ({exc}).") from None
    for row in rows:
        row.pop(None, None)
    return [name.strip() for name in reader.fieldnames or []], rows


def _label(value, max_length: int) -> str:
    """A label as stored: plain text on one line, cut to its column."""
    return " ".join(str(value or "").split())[:max_length]


class RomeImport:
    """Collects every file given (a later file's label wins), then writes once: importing the same
    files again changes nothing, even when two sources spell a label differently."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.grand_domains: dict[str, dict] = {}
        self.domains: dict[str, dict] = {}
        self.fiches: dict[str, tuple[str, dict]] = {}  # code -> (location, values)
        self.appellations: dict[str, tuple[str, dict]] = {}

    def read(self, path: Path) -> str:
        """Read one file; return what it was taken for."""
        if path.suffix == ".json":
            self._read_json(path)
            return "fiches et appellations"
        header, rows = _read_csv(path)
        columns = set(header)
        if TREE_HEADER <= columns:
            self._read_tree(path, rows)
            return "arborescence"
        if {"code_appellation", "libelle_appellation", "code_rome"} <= columns:
            for line, row in enumerate(rows, start=2):
                self._appellation(
                    f"{path.name}, ligne {line}",
                    row["code_appellation"],
                    row["libelle_appellation"],
                    row["code_rome"],
                )
            return "appellations"
        if {"code_rome", "libelle_rome"} <= columns:
            for line, row in enumerate(rows, start=2):
                self._fiche(f"{path.name}, ligne {line}", row["code_rome"], row["libelle_rome"])
            return "fiches"
        raise RomeFormatError(
            f"{path.name} : colonnes non reconnues ({', '.join(header[:6])}). Attendu : l'arborescence "
            "(code_grand_domaine, …, code_rome, libelle_rome), les fiches (code_rome, libelle_rome) ou les "
            "appellations (code_appellation, libelle_appellation, code_rome)."
        )

    def _read_tree(self, path: Path, rows: list[dict]) -> None:
        for line, row in enumerate(rows, start=2):
            where = f"{path.name}, ligne {line}"
            code = row["code_rome"].strip()
            if not ROME_CODE.fullmatch(code):
                self.report.error(where, "code_rome", f"code ROME invalide « {code[:20]} »")
                continue
            grand, domain = row["code_grand_domaine"].strip(), row["code_domaine_professionnel"].strip()
            if grand != code[0] or domain != code[:3]:
                self.report.error(
                    where, "code_domaine_professionnel", f"{domain} ne contient pas la fiche {code}"
                )
                continue
            self.grand_domains[grand] = {"label": _label(row["libelle_grand_domaine"], 200)}
            self.domains[domain] = {
                "label": _label(row["libelle_domaine_professionnel"], 200),
                "grand_domain_id": grand,
            }
            self.fiches[code] = (where, {"label": _label(row["libelle_rome"], 200), "domain_id": domain})

    def _read_json(self, path: Path) -> None:
        try:
            records = json.loads(read_text(path))
        except FileRefused as exc:
            raise RomeFormatError(str(exc)) from None
        except json.JSONDecodeError as exc:
            raise RomeFormatError(
                f"{path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg})"
            ) from None
        if not isinstance(records, list) or not all(
            isinstance(r, dict) and "code" in r for r in records[:10]
        ):
            raise RomeFormatError(
                f"{path.name} : attendu une liste d'objets {{libelle, code, appellation_code}}"
            )
        # JSON records have no line numbers: a problem names the record's position (1 = first).
        for position, record in enumerate(records, start=1):
            where = f"{path.name}, enregistrement {position}"
            if not isinstance(record, dict):
                self.report.error(where, "", "un objet {libelle, code, appellation_code} est attendu")
                continue
            code = record.get("code")
            code = code if isinstance(code, str) else ""
            label = record.get("libelle")
            label = label if isinstance(label, str) else ""
            appellation = record.get("appellation_code")
            if appellation:
                self._appellation(where, str(appellation), label, code)
            else:
                self._fiche(where, code, label)

    def _fiche(self, where: str, code: str, label: str) -> None:
        code = code.strip()
        if not ROME_CODE.fullmatch(code):
            self.report.error(where, "code_rome", f"code ROME invalide « {code[:20]} »")
            return
        self.fiches[code] = (where, {"label": _label(label, 200), "domain_id": code[:3]})

    def _appellation(self, where: str, code: str, label: str, rome: str) -> None:
        code = code.strip()
        if not (code.isascii() and code.isdigit() and len(code) <= 10):
            self.report.error(
                where, "code_appellation", f"code OGR invalide « {code[:20]} » (10 chiffres au plus)"
            )
            return
        rome = rome.strip()
        if not ROME_CODE.fullmatch(rome):
            self.report.error(where, "code_rome", f"code ROME invalide « {rome[:20]} »")
            return
        self.appellations[code] = (where, {"label": _label(label, 250), "fiche_id": rome})

    def write(self) -> Counter:
        counts = Counter()
        upsert(RomeGrandDomain, self.grand_domains, counts=counts)
        upsert(RomeDomain, self.domains, counts=counts)
        known_domains = set(RomeDomain.objects.values_list("pk", flat=True))
        fiches = {}
        for code, (where, values) in self.fiches.items():
            if values["domain_id"] in known_domains:
                fiches[code] = values
            else:
                self.report.error(
                    where,
                    "code_rome",
                    f"domaine professionnel {values['domain_id']} inconnu : importez d'abord l'arborescence du ROME",
                )
        known_fiches = set(RomeFiche.objects.values_list("pk", flat=True)) | set(fiches)
        appellations = {}
        for code, (where, values) in self.appellations.items():
            if values["fiche_id"] in known_fiches:
                appellations[code] = values
            else:
                self.report.error(where, "code_rome", f"fiche ROME inconnue « {values['fiche_id']} »")
        if self.report.errors:
            return counts
        upsert(RomeFiche, fiches, counts=counts)
        upsert(RomeAppellation, appellations, counts=counts)
        return counts
