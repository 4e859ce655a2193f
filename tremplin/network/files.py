"""Reading the files operators hand to the network imports: text in UTF-8, CSV separated by ";".

Problems that make the whole file unusable raise :class:`FileRefused` with a French message that
names the file (and the line when there is one); the commands turn it into an error and write nothing.
"""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

# Spreadsheet formats people send instead of CSV: their files start with these bytes.
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class FileRefused(Exception):
    """The file as a whole cannot be imported (the message is French and names the file)."""


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (with or without a byte order mark)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileRefused(f"{path} : fichier introuvable.") from None
    except IsADirectoryError:
        raise FileRefused(f"{path} : c'est un dossier, pas un fichier.") from None
    except OSError as exc:
        raise FileRefused(f"{path} : fichier illisible ({exc.strerror}).") from None
    if data.startswith(_SPREADSHEET_MAGIC):
        raise FileRefused(
            f"{path.name} : c'est un classeur (Excel ou LibreOffice), pas un fichier texte ; "
            "enregistrez-le au format « CSV UTF-8 » avec le séparateur « ; »."
        )
    if b"\x00" in data:
        # No text file holds one, and PostgreSQL cannot store it.
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}, ligne {line} : caractère nul : ce n'est pas un fichier texte "
            "(enregistrez-le au format « CSV UTF-8 »)."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}, ligne {line} : le fichier n'est pas encodé en UTF-8 "
            "(enregistrez-le au format « CSV UTF-8 »)."
        ) from None


def csv_records(
    name: str, text: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, {column: stripped value})`` for each non-blank record of a ";" CSV.

    The header must hold every required column, may hold the optional ones, and nothing else;
    column names are compared without surrounding spaces and case. A record with the wrong number of
    values refuses the file, since its values cannot be trusted to be in the right columns.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileRefused(f"{name}, ligne 1 : en-tête illisible ({exc}).") from None
    expected = ";".join(required + optional)
    if not header or not any(cell.strip() for cell in header):
        raise FileRefused(f"{name} : le fichier est vide ; en-tête attendu : {expected}")
    columns = [cell.strip().lower() for cell in header]
    if len(columns) == 1 and "," in columns[0]:
        raise FileRefused(
            f"{name}, ligne 1 : le séparateur doit être « ; » (ce fichier semble séparé par des virgules) ; "
            f"en-tête attendu : {expected}"
        )
    problems = []
    missing = [column for column in required if column not in columns]
    unexpected = [column for column in columns if column not in required + optional]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if missing:
        problems.append("colonne(s) manquante(s) : " + ", ".join(missing))
    if unexpected:
        problems.append("colonne(s) inattendue(s) : " + ", ".join(c or "(sans nom)" for c in unexpected))
    if repeated:
        problems.append("colonne(s) en double : " + ", ".join(repeated))
    if problems:
        raise FileRefused(f"{name}, ligne 1 : " + " ; ".join(problems) + f". En-tête attendu : {expected}")

    last_line = reader.line_num
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise FileRefused(f"{name}, ligne {last_line + 1} : ligne illisible ({exc}).") from None
        if row is None:
            return
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise FileRefused(
                f"{name}, ligne {line} : {len(row)} valeur(s) au lieu de {len(columns)} "
                "(un « ; » en trop ou en moins ? mettez entre guillemets les valeurs qui en contiennent)."
            )
        yield line, {column: value.strip() for column, value in zip(columns, row, strict=True)}
