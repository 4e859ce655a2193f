"""Exports: CSV and XLSX of every table, the open-data command, and no cell a spreadsheet would run."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.factories import member
from tremplin.accounts.enums import Role
from tremplin.stats.exports import safe_cell, to_csv, to_xlsx
from tremplin.stats.masking import MASKED
from tremplin.stats.tables import COUNT, RATE, TEXT, Column, Table

PERIOD = "start=2025-01&end=2025-03"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+33 6 00", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


def test_safe_cell_neutralises_formula_starts():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Mission locale de Rodez") == "Mission locale de Rodez"
    assert safe_cell("< 5") == "< 5"


def hostile_table() -> Table:
    return Table(
        key="test",
        title="=Titre",
        columns=[
            Column("name", "-Nom", TEXT),
            Column("count", "Orientations", COUNT),
            Column("rate", "Taux", RATE),
        ],
        rows=[[name, 12, 0.5] for name in HOSTILE] + [["ok", MASKED, MASKED]],
    )


def test_no_csv_cell_starts_like_a_formula():
    content = to_csv(hostile_table()).decode("utf-8")
    assert '"\'\r=1"' in content  # quoted: a spreadsheet reads the carriage return inside the cell
    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert rows[0] == ["'-Nom", "Orientations", "Taux (%)"]
    assert [row[0] for row in rows[1:-1]] == ["'" + text for text in HOSTILE]
    assert rows[1][1:] == ["12", "50.0"]
    assert rows[-1] == ["ok", "< 5", "< 5"]
    assert not any(cell.startswith(TRIGGERS) for row in rows for cell in row)


def test_no_xlsx_cell_is_a_formula():
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx([hostile_table()], note="-note")))
    sheet = workbook.worksheets[0]
    assert sheet.title == "=Titre"
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not any(cell.data_type == "f" for cell in values)
    assert not any(isinstance(cell.value, str) and cell.value.startswith(TRIGGERS) for cell in values)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "'=Titre" and rows[1][0] == "'-note"
    assert rows[3] == ["'" + HOSTILE[0], 12, 50.0]  # numbers stay numbers


def test_organisation_names_are_neutralised_in_downloads(world, login):
    world.ml.rodez.name = '=HYPERLINK("http://evil.example","Rodez")'
    world.ml.rodez.save()
    client = login(member(Role.STEERING))
    content = client.get(f"/pilotage/export/missions-locales.csv?{PERIOD}").content.decode()
    assert "'=HYPERLINK(" in content
    assert not any(
        cell.startswith(TRIGGERS) for row in csv.reader(io.StringIO(content, newline="")) for cell in row
    )
    xlsx = client.get(f"/pilotage/export/missions-locales.xlsx?{PERIOD}")
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)


def test_csv_download(world, login):
    response = login(member(Role.STEERING)).get(f"/pilotage/export/ages.csv?scope=region:76&{PERIOD}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="tremplin-region-76-2025-01_2025-03-ages.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    assert rows[0] == [
        "Âge à l'envoi",
        "Orientations",
        "Part des orientations (%)",
        "Entrées en formation",
        "Taux d'entrée en formation (%)",
    ]
    # Occitanie: R1 R2 R3 R4 R5 R7 -> under 18: 2, 18–21: 2, 22–25: 1, 26+: 1; every part is small.
    assert [row[:2] for row in rows[1:]] == [
        ["Moins de 18 ans", "< 5"],
        ["18 à 21 ans", "< 5"],
        ["22 à 25 ans", "< 5"],
        ["26 ans et plus", "< 5"],
    ]


def test_workbook_of_every_table(world, login):
    response = login(member(Role.STEERING)).get(f"/pilotage/export/tableaux.xlsx?{PERIOD}")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 19
    funnel = workbook["Parcours des orientations"]
    assert (
        funnel["A2"].value
        == "France entière, orientations envoyées de janvier 2025 à mars 2025. Effectifs inférieurs à 5 masqués (« < 5 »)."
    )
    assert [c.value for c in funnel[4]] == ["Orientations envoyées", 8, 100.0, None]


def test_export_stats_writes_masked_open_data(world, tmp_path):
    out = io.StringIO()
    call_command("export_stats", str(tmp_path / "od"), "--period", "2025-01..2025-03", stdout=out)
    files = {p.name for p in (tmp_path / "od").iterdir()}
    assert {
        "LISEZMOI.txt",
        "entonnoir.csv",
        "mois.csv",
        "delais.csv",
        "missions-locales.csv",
        "centres-cnam.csv",
        "departements.csv",
    } <= files
    assert "20 fichiers écrits" in out.getvalue()
    with (tmp_path / "od" / "missions-locales.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == [
        "Code i-milo",
        "Nom",
        "Département",
        "Orientations",
        "Entrées en formation",
        "Taux d'entrée en formation (%)",
    ]
    # Every mission locale, even without referral; Rodez 5 (shown), Aurillac 2 and Toulouse 1 (hidden).
    assert rows[1:] == [
        ["12202S00", "Mission locale de Rodez", "12", "5", "< 5", "< 5"],
        ["15014S00", "Mission locale d'Aurillac", "15", "< 5", "0", "< 5"],
        ["31555S00", "Mission locale de Toulouse", "31", "< 5", "< 5", "< 5"],
    ]
    readme = (tmp_path / "od" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "orientations envoyées de janvier 2025 à mars 2025 (2025-01..2025-03)" in readme
    assert "- missions-locales.csv : Orientations par mission locale" in readme


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2025-13..2025-14", "« 2025-13 » n'est pas un mois au format AAAA-MM"),
        ("2025-06..2025-01", "Le mois de début doit précéder le mois de fin."),
        ("janvier", "« janvier » n'est pas un mois"),
    ],
)
def test_export_stats_refuses_a_bad_period(tmp_path, period, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_stats", str(tmp_path), "--period", period, stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_export_stats_refuses_a_file_as_folder(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(CommandError, match="n'est pas un dossier"):
        call_command("export_stats", str(target), stdout=io.StringIO())
