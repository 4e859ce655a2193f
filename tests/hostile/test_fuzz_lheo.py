"""Fuzzing of the LHEO import (``import_lheo``): structurally valid files with hostile values, and
mutated or truncated files. The command imports or refuses (French message naming the file, nothing
written); what it stores fits its columns, is plain text, and the training page shows it escaped."""

import re

from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from tests.hostile import lheo
from tests.hostile.conftest import HOSTILE
from tests.hostile.fuzz import hostile_date, hostile_number, hostile_text, mutated, run_import
from tremplin.catalog.models import CatalogImport, Training, TrainingAction, TrainingProvider, TrainingSession

WATCHED = (Training, TrainingAction, TrainingSession, TrainingProvider, CatalogImport)
CODES = st.one_of(st.sampled_from(["0", "1", "2", "3", "4", "5", "15", "16", "-1", "99"]), hostile_number)
DATES = st.one_of(st.sampled_from(["20270901", "20280630"]), hostile_date)


# Characters XML 1.0 cannot hold make the whole file malformed: the mutated files cover that; most
# values here stay within XML so that the import itself is exercised.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
xml_text = hostile_text
NUMEROS = st.one_of(st.sampled_from(["F1", "F2", "A1", "S1", " ", ""]), xml_text)


def sometimes(valid: str, hostile):
    """The valid value or a hostile one: files with a few hostile values get further into the import."""
    return st.one_of(st.just(valid), st.just(valid), hostile)


@st.composite
def sessions(draw) -> str:
    return "".join(
        lheo.session(
            numero=draw(sometimes("X", NUMEROS)),
            start=draw(DATES),
            end=draw(DATES),
            state=draw(sometimes("1", CODES)),
            places=draw(st.one_of(st.none(), hostile_number)),
        )
        for _ in range(draw(st.integers(0, 3)))
    )


@st.composite
def actions(draw) -> str:
    return "".join(
        lheo.action(
            numero=draw(sometimes("X", NUMEROS)),
            sessions=draw(sessions()),
            site=draw(sometimes("CNAM-RODEZ", st.sampled_from(["CNAM-MILLAU", "INCONNU", "", "<x>"]))),
            insee=draw(st.sampled_from(["12202", "12145", "99999", "", "2A004"])),
            mode=draw(sometimes("0", CODES)),
            rhythm=draw(sometimes("Temps plein", xml_text)),
            hours=draw(sometimes("450", hostile_number)),
            price=draw(sometimes("1200", hostile_number)),
        )
        for _ in range(draw(st.integers(0, 2)))
    )


@st.composite
def lheo_files(draw) -> tuple[bytes, list[str]]:
    titles, formations = [], []
    for _ in range(draw(st.integers(1, 3))):
        title = draw(sometimes("Développeur web", xml_text))
        titles.append(title)
        formations.append(
            lheo.formation(
                numero=draw(sometimes("X", NUMEROS)),
                title=title,
                objectives=draw(sometimes("Objectifs.", xml_text)),
                rome=draw(sometimes("M1805", xml_text)),
                entry_level=draw(sometimes("0", CODES)),
                actions=draw(actions()),
                siret=draw(sometimes(lheo.CNAM_SIRET, hostile_number)),
                provider=draw(sometimes("Cnam Occitanie", xml_text)),
            )
        )
    document = lheo.lheo(*formations)
    if draw(st.integers(0, 9)):
        document = _NOT_XML.sub("", document)
    return draw(mutated(document.encode())), titles


@HOSTILE
@given(case=lheo_files(), skip_invalid=st.booleans())
def test_import_lheo(net, scratch, client, case, skip_invalid):
    data, _ = case
    path = scratch(data)
    args = [path, "--skip-invalid"] if skip_invalid else [path]
    imported = run_import("import_lheo", *args, file_name="offre.xml", watched=WATCHED)
    event("imported" if imported else "refused")
    if not imported:
        return
    for training in Training.objects.all():
        for text in (training.title, training.objectives):
            assert "<script" not in text.lower() and "<img" not in text.lower(), text[:200]
        page = client.get(reverse("catalog:training_detail", args=[training.pk])).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page


def test_hostile_title_is_stored_as_plain_text_and_shown_escaped(net, scratch, client):
    title = "<b>Développeur</b> &lt;script&gt;alert(1)&lt;/script&gt; web"
    objectives = "Former <script>alert(2)</script>des développeurs & des <i>intégrateurs</i>"
    path = scratch(lheo.lheo(lheo.formation(title=title, objectives=objectives)))
    assert run_import("import_lheo", path, file_name="offre.xml", watched=WATCHED)
    training = Training.objects.get()
    assert training.title == "Développeur web"
    assert training.objectives == "Former des développeurs & des intégrateurs"
    page = client.get(reverse("catalog:training_detail", args=[training.pk])).content.decode()
    assert "Former des développeurs &amp; des intégrateurs" in page
    assert "alert(" not in page


def test_duplicate_numbers_are_refused_naming_both(net, scratch):
    path = scratch(lheo.lheo(lheo.formation(numero="F1"), lheo.formation(numero="F1", title="Autre")))
    assert not run_import("import_lheo", path, file_name="offre.xml", watched=WATCHED)
