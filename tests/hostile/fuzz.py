"""What the importer fuzz tests share: hostile values, file mutations, and the property every import
command must hold (imports, or refuses with a French message naming the file and writes nothing)."""

import csv
import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from hypothesis import strategies as st

HOSTILE_WORDS = [
    "<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE catalog_training; --",
    '=HYPERLINK("http://evil.example")',
    "\u202eevil\u202c",
    "\ufeffBOM",
    "nc",
    "-",
    "   ",
    "",
    "ligne 1\nligne 2",
    '"',
    ";",
    "\x00",
    "\x1b[31m",
    "\ud7ff\ue000\U0010fffd",
    "Ã©",
]

# Any text (control characters included), the classics of injection, and long runs.
hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(HOSTILE_WORDS),
    st.tuples(st.sampled_from(["x", "é", "<b>", "€ "]), st.integers(100, 5000)).map(lambda p: p[0] * p[1]),
)
hostile_number = st.one_of(
    st.sampled_from(
        ["-1", "0", "1e9", "99999999999999999999", "1,5", "NaN", "inf", "١٢٣", " 12 ", "0x1F", ""]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.text(max_size=8),
)
hostile_date = st.one_of(
    st.sampled_from(
        [
            "20270230",
            "20271301",
            "00000000",
            "99999999",
            "20270000",
            "2027-02-30",
            "31/12/9999",
            "0001-01-01",
            "99991231",
            "2/30/27",
            "13/13/13",
            "",
            "demain",
        ]
    ),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.text(max_size=10),
)


def csv_text(rows: list[list[str]], delimiter: str = ";") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """The file as written, or truncated, or with bytes flipped, inserted or deleted, or re-encoded."""
    kind = draw(
        st.sampled_from(["as is", "truncated", "flipped", "inserted", "deleted", "latin-1", "utf-16"])
    )
    if kind == "as is" or not data:
        return data
    position = draw(st.integers(0, len(data) - 1))
    if kind == "truncated":
        return data[:position]
    if kind == "flipped":
        return data[:position] + bytes([data[position] ^ draw(st.integers(1, 255))]) + data[position + 1 :]
    if kind == "inserted":
        return data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
    if kind == "deleted":
        return data[:position] + data[position + draw(st.integers(1, 40)) :]
    text = data.decode("utf-8", errors="replace")
    return text.encode("latin-1", errors="replace") if kind == "latin-1" else text.encode("utf-16")


def snapshot(*model_classes) -> list[int]:
    return [model.objects.count() for model in model_classes]


def assert_storable(*model_classes) -> None:
    """What SQLite accepts and PostgreSQL would refuse: texts longer than their column, NUL characters."""
    for model in model_classes:
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list("pk", *(field.attname for field in fields)):
            for field, value in zip(fields, row[1:], strict=True):
                if value is None:
                    continue
                assert "\x00" not in value, f"{model.__name__}.{field.name} holds a NUL character"
                if field.max_length:
                    assert len(value) <= field.max_length, (
                        f"{model.__name__}.{field.name}: {len(value)} characters, column of {field.max_length}"
                    )


def run_import(command: str, *args, file_name: str, watched: tuple) -> bool:
    """Run an import command. True: imported. False: refused, with a French message naming the file
    (unless ``file_name`` is empty: a folder) or a count of errors, each naming the file, and not a row
    changed. Anything else is a bug and propagates."""
    before = snapshot(*watched)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *[str(arg) for arg in args], stdout=out, stderr=err)
    except CommandError as exc:
        message = str(exc)
        assert snapshot(*watched) == before, f"refused but rows changed: {message}"
        if "rien n'a été enregistré" in message:
            count = int(message.split(" ", 1)[0])
            # Each error is located (values quoted in messages may hold line breaks: count, not split).
            assert err.getvalue().count(file_name) >= min(count, 200), err.getvalue()[:500]
        elif file_name:
            assert file_name in message, message
        assert "Traceback" not in message
        return False
    assert_storable(*watched)
    return True
