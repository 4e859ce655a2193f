"""Reach analysis on communes placed by hand: a site at 45°N 2°E; one degree of latitude is
111.19 km on the sphere of radius 6,371 km."""

import numpy as np
import pytest

from tests.factories import CnamSiteFactory, DepartmentFactory, MissionLocaleFactory, RegionFactory, member
from tests.stats.factories import commune
from tests.youth.factories import YoungPersonFactory
from tremplin.accounts.enums import Role
from tremplin.stats import reach
from tremplin.youth.models import YoungPerson

KM_PER_DEGREE = 6371 * np.pi / 180


def test_nearest_site_and_distance():
    points = reach.unit_vectors([45.0, 45.4, 46.0, 44.0], [2.0, 2.0, 2.0, 3.0])
    sites = reach.unit_vectors([45.0, 46.1], [2.0, 2.0])
    index, distance = reach.nearest(points, sites)
    assert list(index) == [0, 0, 1, 0]
    assert distance[0] == pytest.approx(0, abs=1e-6)
    assert distance[1] == pytest.approx(0.4 * KM_PER_DEGREE, rel=1e-9)
    assert distance[2] == pytest.approx(0.1 * KM_PER_DEGREE, rel=1e-9)
    none_index, none_distance = reach.nearest(points, reach.unit_vectors([], []))
    assert list(none_index) == [-1] * 4 and np.isinf(none_distance).all()


@pytest.fixture
def land():
    """Site S in A. B is 0.4° north of it (44.5 km), C 0.7° (77.8 km), D in another département 0.2° (22 km)."""
    north = DepartmentFactory(code="12", name="Aveyron", region=RegionFactory(code="76", name="Occitanie"))
    south = DepartmentFactory(code="81", name="Tarn", region=RegionFactory(code="76"))
    a = commune("12001", "Alpha", north, 1_000, 45.0, 2.0)
    b = commune("12002", "Bravo", north, 2_000, 45.4, 2.0)
    c = commune("12003", "Charlie", north, 4_000, 45.7, 2.0)
    d = commune("81001", "Delta", south, 8_000, 44.8, 2.0)
    site = CnamSiteFactory(name="Cnam Alpha", commune=a, regional_centre=True)
    ml_c = MissionLocaleFactory(code="12003S00", name="Mission locale de Charlie", commune=c)
    ml_a = MissionLocaleFactory(code="12001S00", name="Mission locale d'Alpha", commune=a)
    for _ in range(3):
        YoungPersonFactory(home_commune=c, mission_locale=ml_c)
    for _ in range(6):
        YoungPersonFactory(home_commune=b, mission_locale=ml_a)
    YoungPersonFactory(home_commune=a, mission_locale=ml_a)
    archived = YoungPersonFactory(home_commune=c, mission_locale=ml_c)
    YoungPerson.objects.filter(pk=archived.pk).update(archived_at="2025-01-01T00:00:00Z")
    return locals()


def test_population_and_young_people_beyond_30_and_60_km(land):
    analysis = reach.analyse()
    assert analysis.beyond(30) == (2_000 + 4_000, 6 + 3)  # archived records are not followed any more
    assert analysis.beyond(60) == (4_000, 3)
    table = reach.summary_table(analysis, mask=True)
    assert table.rows[0] == ["plus de 30 km", 6_000, 6_000 / 15_000, 9, 9 / 10]
    assert table.rows[1][:4] == ["plus de 60 km", 4_000, 4_000 / 15_000, reach.mask_count(3)]
    assert table.rows[1][4] is reach.mask_count(3)  # a share of a hidden count is hidden
    assert table.rows[2][:4] == ["ensemble", 15_000, 1.0, 10]
    unmasked = reach.summary_table(analysis, mask=False, departments=["12"])
    assert unmasked.rows[1] == ["plus de 60 km", 4_000, 4_000 / 7_000, 3, 3 / 10]


def test_departments_and_farthest_places(land):
    analysis = reach.analyse()
    departments = reach.department_table(analysis)
    assert departments.rows[0][:5] == ["12", "Aveyron", 7_000, 6_000 / 7_000, 4_000 / 7_000]
    assert departments.rows[0][5] == pytest.approx(0.7 * KM_PER_DEGREE)
    assert departments.rows[1][:5] == ["81", "Tarn", 8_000, 0.0, 0.0]
    mls = reach.missions_locales_table(analysis, mask=True)
    assert [row[0] for row in mls.rows] == ["12003S00", "12001S00"]  # farthest seat first
    assert mls.rows[0][4] == pytest.approx(0.7 * KM_PER_DEGREE)
    assert mls.rows[0][5] == "Cnam Alpha"
    assert mls.rows[0][6] == reach.mask_count(3) and mls.rows[1][6] == 7
    towns = reach.farthest_communes_table(analysis, min_population=2_000)
    assert [row[1] for row in towns.rows] == ["Charlie", "Bravo", "Delta"]
    assert [row[1] for row in reach.farthest_communes_table(analysis, departments=["81"]).rows] == ["Delta"]


def test_reach_page_for_steering(land, login):
    client = login(member(Role.STEERING))
    html = client.get("/pilotage/portee/").content.decode()
    assert "Couverture territoriale du Cnam" in html
    assert "Mission locale de Charlie" in html
    assert '<circle class="stats-map__marker"' in html and "<title>Cnam Alpha (Alpha)</title>" in html
    assert html.count('data-code="') == 101
    region = client.get("/pilotage/portee/?region=76").content.decode()
    assert region.count('data-code="') == 2
    csv = client.get("/pilotage/portee/export/portee-missions-locales.csv").content.decode()
    assert csv.splitlines()[1].startswith("12003S00,Mission locale de Charlie,Charlie,12,77.8,Cnam Alpha,< 5")
    assert client.get("/pilotage/portee/export/tableaux.xlsx").status_code == 200
    assert client.get("/pilotage/portee/export/nothing.csv").status_code == 404


def test_without_any_site_distances_are_unknown(login):
    DepartmentFactory(code="12")
    commune("12001", "Alpha", DepartmentFactory(code="12"), 1_000, 45.0, 2.0)
    analysis = reach.analyse()
    assert analysis.beyond(30) == (1_000, 0)
    html = login(member(Role.STEERING)).get("/pilotage/portee/").content.decode()
    assert "Aucun centre Cnam n'est enregistré" in html
