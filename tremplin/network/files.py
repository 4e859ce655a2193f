"""Reading the files operators hand to the network imports: text in UTF-8, CSV separated by ";".

Problems that make the whole file unusable raise :class:`FileRefused` with a French message that
names the file (and the line when there is one); the commands turn it into an error and write nothing.
"""

import csv
import io
from collections.abc import Iterator

from tremplin.utils.textfiles import FileRefused, read_text

__all__ = ["FileRefused", "csv_records", "read_text"]


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
