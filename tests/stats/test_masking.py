"""Small counts are masked on steering pages and in every export; members of an organisation see
their own figures exactly."""

import csv
import html as html_module
import io
import re

from tests.factories import member
from tremplin.accounts.enums import Role
from tremplin.stats.masking import MASKED, mask_count, mask_parts, ratio

PERIOD = "start=2025-01&end=2025-03"


def test_mask_count_hides_one_to_four_only():
    assert [mask_count(n) for n in (0, 1, 4, 5, 12)] == [0, MASKED, MASKED, 5, 12]
    assert mask_count(3, enabled=False) == 3


def test_a_lone_hidden_part_takes_the_smallest_other_part_with_it():
    # 3 alone would be given back by the total (20) minus the others: 7 is hidden too.
    assert mask_parts([3, 10, 0, 7]) == [MASKED, 10, 0, MASKED]
    assert mask_parts([3, 4, 10]) == [MASKED, MASKED, 10]
    assert mask_parts([0, 10, 6]) == [0, 10, 6]
    assert mask_parts([2]) == [MASKED]
    assert mask_parts([3, 10], enabled=False) == [3, 10]


def test_a_rate_from_a_hidden_count_is_hidden():
    assert ratio(MASKED, 10) is MASKED
    assert ratio(3, MASKED) is MASKED
    assert ratio(3, 0) is None
    assert ratio(3, 12) == 0.25


def cells_of(html: str, caption: str) -> list[str]:
    """The text of the cells of the table whose caption is ``caption`` (enough HTML for these pages)."""
    start = html.index(f"<caption>{caption}</caption>")
    table = html[start : html.index("</table>", start)]

    return [
        html_module.unescape(re.sub(r"<[^>]+>", "", cell))
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table)
    ]


def test_steering_page_masks_small_counts(world, login):
    html = login(member(Role.STEERING)).get(f"/pilotage/?{PERIOD}").content.decode()
    funnel = cells_of(html, "Parcours des orientations")
    # Sent 8 (100 %), acknowledged 5 (62,5 %), then 3, 4, 2, 1: hidden, and their rates with them.
    assert funnel[4:12] == [
        "Orientations envoyées",
        "8",
        "100,0\u202f%",
        "—",
        "Prises en charge par le Cnam",
        "5",
        "62,5\u202f%",
        "62,5\u202f%",
    ]
    assert funnel[12:16] == ["Entretiens planifiés", "< 5", "< 5", "< 5"]
    assert funnel[-4:] == ["Formations terminées", "< 5", "< 5", "< 5"]
    delays = cells_of(html, "Délais de réponse du Cnam")
    assert delays[8:12] == ["Envoi → entretien", "< 5", "< 5", "< 5"]  # three observations only
    assert delays[4:8] == ["Envoi → prise en charge", "5", "1\u00a0j", "7\u00a0j"]
    assert 'title="moins de 5, masqué"' in html


def test_ml_manager_sees_their_own_small_counts(world, login):
    html = (
        login(member(Role.ML_MANAGER, organisation=world.ml.rodez))
        .get(f"/pilotage/?{PERIOD}")
        .content.decode()
    )
    funnel = cells_of(html, "Parcours des orientations")
    # Rodez: R1 R2 R4 R5 R7; acknowledged R1 R2; entered R1.
    assert funnel[4:6] == ["Orientations envoyées", "5"]
    assert funnel[8:10] == ["Prises en charge par le Cnam", "2"]
    assert "< 5" not in cells_of(html, "Parcours des orientations")


def test_exports_are_masked_even_for_an_ml_manager(world, login):
    client = login(member(Role.ML_MANAGER, organisation=world.ml.rodez))
    content = client.get(f"/pilotage/export/entonnoir.csv?{PERIOD}").content.decode()
    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert rows[0] == ["Étape", "Orientations", "Part des orientations envoyées (%)", "Taux de passage (%)"]
    assert rows[1] == ["Orientations envoyées", "5", "100.0", ""]
    assert rows[2] == ["Prises en charge par le Cnam", "< 5", "< 5", "< 5"]


def test_map_hatches_a_département_with_a_hidden_count(world, login):
    html = login(member(Role.STEERING)).get(f"/pilotage/?{PERIOD}").content.decode()
    # Cantal: R6 and R9 -> 2 referrals, hidden; Aveyron: 5 referrals, shown.
    assert (
        'fill="url(#carte-orientations-hachures)" data-code="15"><title>Cantal (15) : moins de 5 orientations (masqué)</title>'
        in html
    )
    assert "<title>Aveyron (12) : 1,7 orientations pour 10 000 habitants</title>" in html
