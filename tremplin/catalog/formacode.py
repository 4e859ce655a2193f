"""Labels of the Formacode (Centre Inffo thesaurus) and of the NSF (nomenclature des spécialités de
formation), read from the files LHEO publishes:

- the Formacode CSV of lheo-schema (``FCod-utf-8.csv``): no header, ``;``-separated, column 1 the
  5-digit code, column 3 the label (column 2 is the label in capitals);
- the NSF dictionary ``lheo-dict-NSF.xml`` (GeLaBa ``<dict>``: ``<entry><key val="311"/><value
  val="Transports, manutention, magasinage"/></entry>``), parsed without DTD nor entities.

Codes are stored as plain codes with their labels: files of the offer may cite codes these lists do
not know, and those are kept as they are.
"""

import csv
import io
from pathlib import Path

from lxml import etree

from tremplin.catalog.bulk import upsert
from tremplin.catalog.lheo.reader import PARSER_OPTIONS
from tremplin.catalog.models import Formacode, Nsf
from tremplin.utils.importing import ImportReport
from tremplin.utils.textfiles import FileRefused, read_text


class CodeFileError(Exception):
    pass


def read_formacode(path: Path, report: ImportReport) -> dict[str, dict]:
    try:
        text = read_text(path)
    except FileRefused as exc:
        raise CodeFileError(str(exc)) from None
    rows = {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    line = 0
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise CodeFileError(f"{path.name}, ligne {line + 1} : ligne illisible ({exc}).") from None
        if row is None:
            break
        line = reader.line_num
        if not row or not any(row):
            continue
        code = row[0].strip()
        label = (row[2] if len(row) > 2 and row[2].strip() else row[1] if len(row) > 1 else "").strip()
        label = " ".join(label.split())
        if len(code) != 5 or not (code.isascii() and code.isdigit()):
            report.error(
                f"{path.name}, ligne {line}",
                "code",
                f"Formacode invalide « {code[:20]} » (5 chiffres attendus)",
            )
        elif not label:
            report.error(f"{path.name}, ligne {line}", "libellé", "libellé manquant")
        else:
            rows[code] = {"label": label[:200]}
    return rows


def read_nsf(path: Path, report: ImportReport) -> dict[str, dict]:
    try:
        root = etree.parse(str(path), etree.XMLParser(**PARSER_OPTIONS)).getroot()
    except etree.XMLSyntaxError as exc:
        raise CodeFileError(f"{path.name} : XML mal formé ({exc})") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        # Entities are neither expanded nor fetched (PARSER_OPTIONS), but a dictionary has no use for them.
        # The published file names an external DTD ("gml.dtd"): that one is never loaded.
        raise CodeFileError(
            f"{path.name} : le fichier déclare des entités XML. Refusé par sécurité (risque de « bombe XML » "
            "ou de lecture de fichiers) : le dictionnaire NSF n'en a pas besoin."
        )
    rows = {}
    for entry in root.iter("{*}entry"):
        keys = [key.get("val", "") for key in entry.iter("{*}key")]
        value = next((v.get("val", "") for v in entry.iter("{*}value")), "")
        for key in keys:
            if not key or len(key) > 4:
                report.error(f"{path.name}, ligne {entry.sourceline}", "key", f"code NSF invalide « {key} »")
            else:
                rows[key] = {"label": value.strip()[:200]}
    if not rows:
        raise CodeFileError(f"{path.name} : aucune entrée <entry><key val=…/><value val=…/></entry> trouvée.")
    return rows


def import_paths(paths: list[Path], report: ImportReport) -> None:
    # A file named on the command line is read whatever its name; in a directory, names tell.
    files = [(file, True) for path in paths if not path.is_dir() for file in [path]]
    files += [(file, False) for path in paths if path.is_dir() for file in sorted(path.iterdir())]
    formacodes, nsf = {}, {}
    read = 0
    for file, named in files:
        name, suffix = file.name.lower(), file.suffix.lower()
        if suffix == ".csv" and (named or "fcod" in name or "formacode" in name):
            formacodes.update(read_formacode(file, report))
            read += 1
        elif suffix == ".xml" and (named or "nsf" in name):
            nsf.update(read_nsf(file, report))
            read += 1
    if not read:
        raise CodeFileError(
            "Aucun fichier Formacode (.csv) ni dictionnaire NSF (…NSF….xml) dans les chemins donnés."
        )
    if report.errors:
        return
    for model, rows in ((Formacode, formacodes), (Nsf, nsf)):
        for outcome, n in upsert(model, rows).items():
            report.count(outcome, n)
