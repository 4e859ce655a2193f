"""Fuzzing of the CSV and JSON imports: missions locales (CSV and JSON), Cnam sites (CSV), RNCP (CSV),
ROME (CSV and JSON), Formacode (CSV). Files are well formed with hostile values, or mutated; the
property is :func:`tests.hostile.fuzz.run_import`'s, plus: what is stored is what the file said."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import HOSTILE
from tests.hostile.fuzz import (
    csv_text,
    hostile_date,
    hostile_number,
    hostile_text,
    mutated,
    run_import,
)
from tremplin.catalog.models import (
    Certification,
    Formacode,
    Nsf,
    RomeAppellation,
    RomeDomain,
    RomeFiche,
    RomeGrandDomain,
    SkillBlock,
)
from tremplin.network.models import CnamSite, MissionLocale, Organisation

ML_CODES = st.one_of(st.sampled_from(["12202S00", "12145S00", "31555S00", "99999S99"]), st.text(max_size=12))


@st.composite
def missions_locales_csv(draw) -> tuple[bytes, list[list[str]]]:
    header = ["code", "nom", "nom_officiel", "code_insee", "adresse", "courriel", "telephone"]
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        rows.append(
            [
                draw(ML_CODES),
                draw(hostile_text),
                draw(st.one_of(st.just("12-ML RODEZ"), hostile_text)),
                draw(st.sampled_from(["", "12202", "99999", "2A004"])),
                draw(hostile_text),
                draw(st.one_of(st.just("contact@ml.example.fr"), hostile_text)),
                draw(st.one_of(st.just("05 65 00 00 00"), hostile_number)),
            ]
        )
    data = csv_text([header, *rows]).encode()
    return draw(mutated(data)), rows


@HOSTILE
@given(case=missions_locales_csv())
def test_missions_locales_csv(net, scratch, case):
    data, rows = case
    path = scratch(data, "structures.csv")
    if run_import(
        "import_missions_locales", path, file_name="structures.csv", watched=(Organisation, MissionLocale)
    ):
        if (
            data
            == csv_text(
                [["code", "nom", "nom_officiel", "code_insee", "adresse", "courriel", "telephone"], *rows]
            ).encode()
        ):
            for row in rows:
                assert MissionLocale.objects.get(code=row[0].strip()).name == row[1].strip()


@st.composite
def missions_locales_json(draw) -> bytes:
    items = []
    for _ in range(draw(st.integers(0, 4))):
        item = {
            "id": draw(st.one_of(ML_CODES, st.integers(), st.none(), st.lists(st.integers(), max_size=2))),
            "nom_officiel": draw(st.one_of(hostile_text, st.integers(), st.none())),
            "nom_usuel": draw(
                st.one_of(
                    hostile_text,
                    st.booleans(),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                )
            ),
            "code_departement": draw(
                st.one_of(st.sampled_from(["12", "31", "2A", "999"]), hostile_text, st.floats())
            ),
            "code_region": draw(st.one_of(st.just("76"), hostile_text)),
        }
        items.append(draw(st.one_of(st.just(item), st.sampled_from([None, 1, "x", []]))))
    document = draw(st.one_of(st.just(items), st.just({"structures": items}), st.just(items[:1] * 3)))
    data = json.dumps(document, ensure_ascii=draw(st.booleans())).encode()
    return draw(mutated(data))


@HOSTILE
@given(data=missions_locales_json())
def test_missions_locales_json(net, scratch, data):
    path = scratch(data, "structures.json")
    run_import(
        "import_missions_locales", path, file_name="structures.json", watched=(Organisation, MissionLocale)
    )


CNAM_COLUMNS = [
    "code",
    "nom",
    "type",
    "centre_regional",
    "code_insee",
    "adresse",
    "courriel",
    "au_coeur_des_territoires",
]


@st.composite
def cnam_sites_csv(draw) -> tuple[bytes, list[list[str]]]:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        rows.append(
            [
                draw(
                    st.one_of(
                        st.sampled_from(["CNAM-ALBI", "CNAM-OCC", "CNAM-RODEZ", "12202S00", "X"]),
                        hostile_text,
                    )
                ),
                draw(hostile_text),
                draw(st.one_of(st.sampled_from(["site", "centre_regional", "SITE"]), hostile_text)),
                draw(st.one_of(st.sampled_from(["", "CNAM-OCC", "CNAM-RODEZ", "INCONNU"]), hostile_text)),
                draw(st.sampled_from(["12202", "31555", "", "00000", "2a004"])),
                draw(hostile_text),
                draw(st.one_of(st.just(""), st.just("a@b.fr"), hostile_text)),
                draw(st.one_of(st.sampled_from(["oui", "non", "", "OUI"]), hostile_text)),
            ]
        )
    data = csv_text([CNAM_COLUMNS, *rows]).encode()
    return draw(mutated(data)), rows


@HOSTILE
@given(case=cnam_sites_csv())
def test_cnam_sites_csv(net, scratch, case):
    data, rows = case
    path = scratch(data, "centres.csv")
    if run_import("import_cnam_sites", path, file_name="centres.csv", watched=(Organisation, CnamSite)):
        if data == csv_text([CNAM_COLUMNS, *rows]).encode():
            for row in rows:
                assert CnamSite.objects.get(code=row[0].strip()).name == row[1].strip()


RNCP_INFO = [
    "CodeRNCP",
    "intituleDiplome",
    "date_fin_validite_enregistrement",
    "ActiveInactive",
    "NiveauEurope",
    "TypeCertif",
]
RNCP_CODES = st.one_of(st.sampled_from(["RNCP34099", "RS5678", "rncp1", "RNCP", "RNCP1234567"]), hostile_text)


@st.composite
def rncp_files(draw) -> list[tuple[str, bytes]]:
    info = [RNCP_INFO]
    for _ in range(draw(st.integers(1, 4))):
        info.append(
            [
                draw(RNCP_CODES),
                draw(hostile_text),
                draw(st.one_of(st.sampled_from(["8/31/16", "2/30/27", "12/31/2030"]), hostile_date)),
                draw(st.one_of(st.sampled_from(["ACTIVE", "INACTIVE"]), hostile_text)),
                draw(st.one_of(st.sampled_from(["niveau3", "niveau6", "NIV8", ""]), hostile_text)),
                draw(hostile_text),
            ]
        )
    # Rows may be shorter or longer than the header: spreadsheets export them so.
    info = [
        row[: draw(st.integers(1, len(row) + 1))] + draw(st.lists(hostile_text, max_size=1))
        if draw(st.booleans()) and n
        else row
        for n, row in enumerate(info)
    ]
    files = [("rncp_info.csv", draw(mutated(csv_text(info).encode())))]
    if draw(st.booleans()):
        rome = [
            ["CodeRNCP", "Rome"],
            *([draw(RNCP_CODES), draw(st.one_of(st.just("M1805"), hostile_text))] for _ in range(2)),
        ]
        files.append(("rncp_rome.csv", draw(mutated(csv_text(rome).encode()))))
    if draw(st.booleans()):
        certifiers = [
            ["CodeRNCP", "Certificateur", "siret_organisme"],
            [draw(RNCP_CODES), draw(hostile_text), draw(hostile_number)],
        ]
        files.append(("rncp_certificateurs.csv", draw(mutated(csv_text(certifiers).encode()))))
    if draw(st.booleans()):
        blocks = [
            ["CodeRNCP", "numero_bloc", "intitule"],
            [draw(RNCP_CODES), draw(hostile_text), draw(hostile_text)],
        ]
        files.append(("rncp_blocs_competences.csv", draw(mutated(csv_text(blocks).encode()))))
    if draw(st.booleans()):
        nsf = [["CodeRNCP", "code", "Libelle"], [draw(RNCP_CODES), draw(hostile_text), draw(hostile_text)]]
        files.append(("rncp_nsf.csv", draw(mutated(csv_text(nsf).encode()))))
    return files


@HOSTILE
@given(files=rncp_files())
def test_rncp_csv(scratch, tmp_path, files):
    folder = tmp_path / "rncp"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, data in files:
        (folder / name).write_bytes(data)
    watched = (Certification, Nsf, SkillBlock)
    for name, _ in files:  # each file alone: a refusal must name it
        run_import("import_rncp", folder / name, file_name=name, watched=watched)
    run_import("import_rncp", folder, file_name="", watched=watched)  # the whole folder at once


ROME_TREE = [
    "code_grand_domaine",
    "libelle_grand_domaine",
    "code_domaine_professionnel",
    "libelle_domaine_professionnel",
    "code_rome",
    "libelle_rome",
]
ROME_CODES = st.one_of(st.sampled_from(["M1805", "M1810", "K1302", "Z9999", "m1805", "M18050"]), hostile_text)


@st.composite
def rome_file(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["tree", "fiches", "appellations", "json"]))
    if kind == "json":
        records = [
            {
                "code": draw(st.one_of(ROME_CODES, st.integers(), st.none())),
                "libelle": draw(st.one_of(hostile_text, st.none(), st.integers())),
                "appellation_code": draw(st.one_of(st.just(""), hostile_number, st.integers(), st.none())),
            }
            for _ in range(draw(st.integers(0, 4)))
        ]
        document = draw(st.one_of(st.just(records), st.just({"data": records}), st.just([1, "x"])))
        return "metiers-rome.json", draw(mutated(json.dumps(document).encode()))
    delimiter = draw(st.sampled_from([";", ","]))
    if kind == "tree":
        rows = [ROME_TREE]
        for _ in range(draw(st.integers(1, 3))):
            code = draw(ROME_CODES)
            rows.append(
                [code[:1], draw(hostile_text), code[:3], draw(hostile_text), code, draw(hostile_text)]
            )
        name = "rome_v4_arborescence_derived.csv"
    elif kind == "fiches":
        rows = [["code_rome", "libelle_rome"], *([draw(ROME_CODES), draw(hostile_text)] for _ in range(2))]
        name = "jobs_rome.csv"
    else:
        rows = [["code_appellation", "libelle_appellation", "code_rome"]]
        rows += [[draw(hostile_number), draw(hostile_text), draw(ROME_CODES)] for _ in range(2)]
        name = "jobs_appellation.csv"
    if draw(st.booleans()):
        rows = [row[: draw(st.integers(1, len(row)))] for row in rows]
    return name, draw(mutated(csv_text(rows, delimiter).encode()))


@HOSTILE
@given(files=st.lists(rome_file(), min_size=1, max_size=3))
def test_rome_files(scratch, files):
    watched = (RomeGrandDomain, RomeDomain, RomeFiche, RomeAppellation)
    for name, data in files:
        run_import("import_rome", scratch(data, name), file_name=name, watched=watched)


@st.composite
def formacode_csv(draw) -> bytes:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        code = draw(st.one_of(st.sampled_from(["31054", "3105", "310540", "١٢٣٤٥"]), hostile_number))
        rows.append([code, draw(hostile_text), draw(hostile_text)][: draw(st.integers(1, 3))])
    return draw(mutated(csv_text(rows).encode()))


@HOSTILE
@given(data=formacode_csv())
def test_formacode_csv(scratch, data):
    run_import(
        "import_formacode", scratch(data, "FCod-utf-8.csv"), file_name="FCod-utf-8.csv", watched=(Formacode,)
    )


NUL_FILES = {
    "import_missions_locales": ("structures.csv", "code;nom\n12202S00;Mission\x00locale\n", 2),
    "import_cnam_sites": (
        "centres.csv",
        ";".join(CNAM_COLUMNS) + "\nCNAM-X;Cnam\x00;site;CNAM-OCC;12202;;;non\n",
        2,
    ),
    "import_rncp": ("rncp_info.csv", ";".join(RNCP_INFO) + "\nRNCP1;Titre\x00;;ACTIVE;niveau6;\n", 2),
    "import_rome": ("jobs_rome.csv", "code_rome,libelle_rome\nM1805,Dév\x00\n", 2),
    "import_formacode": ("FCod-utf-8.csv", "31054;X;Informatique\x00\n", 1),
}


@pytest.mark.parametrize("command", NUL_FILES)
def test_nul_character_refuses_the_file_naming_the_line(command, net, scratch):
    """SQLite would store it; PostgreSQL refuses it with an error no one can act on."""
    name, text, line = NUL_FILES[command]
    with pytest.raises(CommandError) as excinfo:
        call_command(command, str(scratch(text, name)), stdout=io.StringIO(), stderr=io.StringIO())
    assert str(excinfo.value) == (
        f"{name}, ligne {line} : caractère nul : ce n'est pas un fichier texte"
        " (enregistrez-le au format « CSV UTF-8 »)."
    )
