"""Tables as files: CSV (UTF-8, comma-separated, one header row) and XLSX (one sheet per table).

Every cell goes through :func:`safe_cell`: a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula (OWASP "CSV injection"), and names of organisations or communes come
from imports that nobody proofreads. Counts, rates and days are written as plain numbers (rates as
percentages with one decimal), hidden values as "< 5".
"""

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from tremplin.stats.masking import Masked
from tremplin.stats.tables import CODE, DAYS, DECIMAL, RATE, TEXT, Table

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_cell(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_value(value, kind: str):
    """The value as written in a file: a number for numeric columns, else (safe) text."""
    if value is None:
        return ""
    if isinstance(value, Masked):
        return str(value)
    if kind == RATE:
        return round(value * 100, 1)
    if kind == DECIMAL:
        return round(value, 1)
    if kind == DAYS:
        return int(value)
    if kind in (TEXT, CODE):
        return safe_cell(str(value))
    return value


def _header(table: Table) -> list[str]:
    return [safe_cell(c.label + (" (%)" if c.kind == RATE else "")) for c in table.columns]


def table_rows(table: Table) -> list[list]:
    return [[export_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]


def write_csv(table: Table, stream) -> None:
    # RFC 4180 line ends (CRLF): csv then quotes any field holding a CR or LF, so a carriage return
    # inside a name cannot start a new line whose first cell a spreadsheet would run.
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(_header(table))
    for row in table_rows(table):
        # Negative numbers never occur; a number is written by csv as digits, never as a formula.
        writer.writerow([safe_cell(v) if isinstance(v, str) else v for v in row])


def to_csv(table: Table) -> bytes:
    stream = io.StringIO()
    write_csv(table, stream)
    return stream.getvalue().encode("utf-8")


def to_xlsx(tables: list[Table], *, note: str = "") -> bytes:
    """One sheet per table; a first line with the table's title, then the header and the rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        _append_text_row(sheet, [table.title])
        if note:
            _append_text_row(sheet, [note])
        _append_text_row(sheet, _header(table))
        for row in table_rows(table):
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    # openpyxl stores a string that starts with "=" as a formula unless told otherwise.
                    cell.data_type = TYPE_STRING
        for index, column in enumerate(table.columns, start=1):
            width = (
                max(len(column.label), *(len(str(r[index - 1])) for r in table.rows)) if table.rows else 12
            )
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(60, width + 2)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _append_text_row(sheet, values: list[str]) -> None:
    sheet.append([safe_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        cell.data_type = TYPE_STRING


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: 31 characters at most, no ``[]:*?/\\``, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Feuille"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
