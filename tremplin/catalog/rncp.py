"""Reading the RNCP extracts of France Compétences (the "kit apprentissage" CSV files).

Files are recognised by their header (semicolon-separated, UTF-8, optional BOM and empty trailing
columns); a directory is read whole, in an order that creates certifications before their details:

=================================  ===========================================================
file                               columns read
=================================  ===========================================================
``rncp_info``                      CodeRNCP; intituleDiplome; date_fin_validite_enregistrement
                                   (M/J/AA); ActiveInactive; NiveauEurope (niveau3..niveau8);
                                   TypeCertif
``cnam_rncp_fiches_derived``       code_rncp; intitule; niveau_europe; type_certif; active;
                                   date_fin_validite; codes_rome (``|``); nsf (``|``, "311p Libellé")
``rncp_rome``                      CodeRNCP; Rome
``rncp_nsf``                       CodeRNCP; code; Libelle
``rncp_certificateurs``            CodeRNCP; Certificateur; siret_organisme
``rncp_blocs_competences``         CodeRNCP; numero_bloc; intitule
=================================  ===========================================================

Other files of the kit (access routes, CFD codes) are ignored. A detail file replaces, for the
certifications it names, the list it carries (ROME codes, NSF codes, certifiers); a certification
absent from a detail file keeps what it had. A certification is "of the Cnam" when one of its
certifiers is the Conservatoire national des arts et métiers (or it comes from the Cnam extract).
"""

import csv
import datetime
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

from tremplin.catalog.bulk import upsert
from tremplin.catalog.enums import CertificationRegistry, level_from_rncp
from tremplin.catalog.models import Certification, Nsf, SkillBlock
from tremplin.catalog.text import fold
from tremplin.utils.importing import ImportReport
from tremplin.utils.textfiles import FileRefused, read_text

CERTIFICATION_CODE = re.compile(r"(RNCP|RS)\d{1,6}")
# The RNCP links some certifications to a whole ROME domain ("M18") or grand domain ("M"), not only to
# fiches ("M1805"): such prefixes are kept, filters and matching read them as prefixes.
ROME_CODE_OR_PREFIX = re.compile(r"[A-N]\d{0,4}")
CNAM_CERTIFIER = "conservatoire national des arts et metiers"
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")

KINDS = {
    "info": {"CodeRNCP", "intituleDiplome", "NiveauEurope", "ActiveInactive"},
    "derived": {"code_rncp", "intitule", "niveau_europe", "codes_rome"},
    "rome": {"CodeRNCP", "Rome"},
    "nsf": {"CodeRNCP", "code", "Libelle"},
    "certifiers": {"CodeRNCP", "Certificateur"},
    "blocks": {"CodeRNCP", "numero_bloc", "intitule"},
}
ORDER = ["info", "derived", "rome", "nsf", "certifiers", "blocks"]


class RncpFormatError(Exception):
    pass


def _read(path: Path) -> tuple[set[str], list[dict]]:
    """The header and the rows of a file. A row shorter than the header reads as empty values, cells
    beyond the header are ignored (spreadsheets export both); a file that is not UTF-8 text is refused."""
    try:
        text = read_text(path)
    except FileRefused as exc:
        raise RncpFormatError(str(exc)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";", restval="")
    header = {name.strip() for name in reader.fieldnames or [] if name}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise RncpFormatError(f"{path.name}, ligne {reader.line_num} : ligne illisible ({exc}).") from None
    for row in rows:
        row.pop(None, None)  # cells beyond the header
    return header, rows


def kind_of(header: set[str]) -> str | None:
    for kind in ORDER:
        if KINDS[kind] <= header:
            return kind
    return None


def _us_date(value: str) -> datetime.date | None:
    """``8/31/16`` (month/day/year, as the 2021 extracts write it)."""
    value = value.strip()
    if not value:
        return None
    match = _US_DATE.fullmatch(value)
    if not match:
        raise ValueError(value)
    month, day, year = (int(part) for part in match.groups())
    if year < 100:
        year += 2000
    return datetime.date(year, month, day)


class RncpImport:
    """Collects the rows of every file given, then writes them in a few bulk operations."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.base: dict[str, dict] = {}  # code -> main fields
        self.rome: dict[str, set[str]] = defaultdict(set)
        self.nsf: dict[str, list[str]] = defaultdict(list)
        self.certifiers: dict[str, list[dict]] = defaultdict(list)
        self.cnam: set[str] = set()
        self.nsf_labels: dict[str, str] = {}
        self.blocks: dict[str, dict] = {}
        self.seen_kinds: set[str] = set()
        self.counts = Counter()

    def files(self, paths: list[Path]) -> list[tuple[str, Path, list[dict]]]:
        found = []
        for path in paths:
            for file in sorted(path.iterdir()) if path.is_dir() else [path]:
                if file.suffix.lower() != ".csv":
                    continue
                header, rows = _read(file)
                kind = kind_of(header)
                if kind is None:
                    if not path.is_dir():
                        raise RncpFormatError(
                            f"{file.name} : colonnes non reconnues ({', '.join(sorted(header)[:6])}) ; "
                            "attendu un extrait RNCP (voir la documentation de import_rncp)."
                        )
                    continue
                found.append((kind, file, rows))
        return sorted(found, key=lambda item: ORDER.index(item[0]))

    def read(self, kind: str, path: Path, rows: list[dict]) -> None:
        self.seen_kinds.add(kind)
        getattr(self, f"_read_{kind}")(path, rows)

    def _code(self, path: Path, line: int, value: str) -> str | None:
        code = value.strip().upper()
        if not CERTIFICATION_CODE.fullmatch(code):
            self.report.error(
                f"{path.name}, ligne {line}", "code", f"code de certification invalide « {value} »"
            )
            return None
        return code

    def _main_fields(self, path, line, *, title, level, kind, active, valid_until) -> dict | None:
        where = f"{path.name}, ligne {line}"
        if not title.strip():
            self.report.error(where, "intitulé", "intitulé manquant")
            return None
        parsed_level = level_from_rncp(level) if level.strip() else None
        if level.strip() and parsed_level is None:
            self.report.error(where, "niveau", f"niveau inconnu « {level} »")
            return None
        try:
            end = _us_date(valid_until)
        except ValueError:
            self.report.error(
                where, "date de fin de validité", f"date illisible « {valid_until} » (attendu M/J/AA)"
            )
            return None
        return {
            "title": " ".join(title.split())[:1000],
            "level": parsed_level,
            "certification_type": kind.strip()[:120],
            "is_active": active.strip().upper() == "ACTIVE",
            "valid_until": end,
        }

    def _read_info(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["CodeRNCP"])
            fields = code and self._main_fields(
                path,
                line,
                title=row["intituleDiplome"],
                level=row["NiveauEurope"],
                kind=row.get("TypeCertif", ""),
                active=row["ActiveInactive"],
                valid_until=row.get("date_fin_validite_enregistrement", ""),
            )
            if fields:
                self.base[code] = fields

    def _read_derived(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["code_rncp"])
            fields = code and self._main_fields(
                path,
                line,
                title=row["intitule"],
                level=row["niveau_europe"],
                kind=row.get("type_certif", ""),
                active=row.get("active", ""),
                valid_until=row.get("date_fin_validite", ""),
            )
            if not fields:
                continue
            if code in self.base and not fields["certification_type"]:
                fields["certification_type"] = self.base[code]["certification_type"]
            self.base[code] = fields
            self.cnam.add(code)
            self.rome[code] |= {c.strip() for c in row["codes_rome"].split("|") if c.strip()}
            for item in row.get("nsf", "").split("|"):
                nsf_code, _, label = item.strip().partition(" ")
                if nsf_code:
                    self.nsf[code].append(nsf_code)
                    if label:
                        self.nsf_labels.setdefault(nsf_code, label.strip())

    def _read_rome(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["CodeRNCP"])
            rome = row["Rome"].strip().upper()
            if not code:
                continue
            if not ROME_CODE_OR_PREFIX.fullmatch(rome):
                self.report.error(
                    f"{path.name}, ligne {line}", "Rome", f"code ROME invalide « {row['Rome']} »"
                )
                continue
            self.rome[code].add(rome)

    def _read_nsf(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["CodeRNCP"])
            nsf_code = row["code"].strip()
            if not code or not nsf_code:
                continue
            if nsf_code not in self.nsf[code]:
                self.nsf[code].append(nsf_code)
            if row.get("Libelle", "").strip():
                self.nsf_labels.setdefault(nsf_code, row["Libelle"].strip())

    def _read_certifiers(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["CodeRNCP"])
            name = " ".join(row["Certificateur"].split())
            if not code or not name:
                continue
            entry = {"name": name, "siret": row.get("siret_organisme", "").strip()}
            if entry not in self.certifiers[code]:
                self.certifiers[code].append(entry)
            if CNAM_CERTIFIER in fold(name):
                self.cnam.add(code)

    def _read_blocks(self, path, rows):
        for line, row in enumerate(rows, start=2):
            code = self._code(path, line, row["CodeRNCP"])
            block = row["numero_bloc"].strip()
            if code and block:
                self.blocks[block] = {
                    "certification": code,
                    "title": " ".join(row["intitule"].split())[:1000],
                }

    def write(self) -> Counter:
        """Upsert certifications, then their details; rows for unknown certifications are skipped."""
        known = set(Certification.objects.values_list("code", flat=True)) | set(self.base)
        detail_fields = {
            "rome_codes": "rome" in self.seen_kinds or "derived" in self.seen_kinds,
            "nsf_codes": "nsf" in self.seen_kinds or "derived" in self.seen_kinds,
            "certifiers": "certifiers" in self.seen_kinds,
            "is_cnam": "certifiers" in self.seen_kinds or "derived" in self.seen_kinds,
        }
        groups: dict[tuple, dict[str, dict]] = defaultdict(dict)
        for code in sorted(known | set(self.rome) | set(self.nsf) | set(self.certifiers)):
            if code not in known:
                self.report.skip("certification absente des fichiers d'information et de la base")
                continue
            values = dict(self.base.get(code, {}))
            if code in self.base:
                values["registry"] = (
                    CertificationRegistry.RS if code.startswith("RS") else CertificationRegistry.RNCP
                )
            if detail_fields["rome_codes"] and (code in self.rome or code in self.base):
                values["rome_codes"] = " ".join(sorted(self.rome.get(code, ())))
            if detail_fields["nsf_codes"] and (code in self.nsf or code in self.base):
                values["nsf_codes"] = " ".join(self.nsf.get(code, ())[:10])
            if detail_fields["certifiers"] and (code in self.certifiers or code in self.base):
                values["certifiers"] = self.certifiers.get(code, [])
            if detail_fields["is_cnam"] and (
                code in self.certifiers or code in self.base or code in self.cnam
            ):
                values["is_cnam"] = code in self.cnam
            if not values:
                continue
            groups[tuple(sorted(values))][code] = values
        counts = Counter()
        for rows in groups.values():
            upsert(Certification, rows, key="code", counts=counts)
        if self.nsf_labels:
            upsert(Nsf, {code[:4]: {"label": label[:200]} for code, label in self.nsf_labels.items()})
        if self.blocks:
            ids = dict(Certification.objects.values_list("code", "pk"))
            rows = {}
            for block, values in self.blocks.items():
                if values["certification"] not in ids:
                    self.report.skip("bloc de compétences d'une certification inconnue")
                    continue
                rows[block] = {"certification_id": ids[values["certification"]], "title": values["title"]}
            upsert(SkillBlock, rows, key="code", counts=Counter())
        return counts
