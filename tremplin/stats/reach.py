"""Reach analysis: how far every commune lies from the nearest Cnam site, who lives beyond 30 and
60 km of any site, and which missions locales have their seat farthest from one — the "white zones"
where a new site would help most (DESIGN.md: "a personalised solution, near home").

Distances are great-circle distances between the communes' positions (town hall, or a point inside
the commune) and the sites' communes; the road is longer, so the figures are a lower bound of the
journey. Computed at request time: about 35,000 communes against a few hundred sites is one matrix
product (see bench/reach.py), and the answer then follows every new site at once.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count

from tremplin.network.models import CnamSite, MissionLocale
from tremplin.stats.masking import mask_count, ratio
from tremplin.stats.tables import CODE, COUNT, DECIMAL, RATE, TEXT, Column, Table
from tremplin.territories.enums import CommuneKind
from tremplin.territories.models import Commune, Department
from tremplin.youth.models import YoungPerson

EARTH_RADIUS_KM = 6371.0
THRESHOLDS_KM = (30, 60)
FARTHEST_LIMIT = 25  # rows of the "white zones" tables
_CHUNK = 4096


def unit_vectors(latitudes, longitudes) -> np.ndarray:
    lat, lon = np.radians(np.asarray(latitudes, float)), np.radians(np.asarray(longitudes, float))
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def nearest(points: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point (unit vector), the index of the nearest site and the distance to it in km.

    The nearest site has the largest dot product; the distance comes from the chord, which stays
    exact for short distances where an arccosine would lose precision."""
    if len(sites) == 0:
        return np.full(len(points), -1), np.full(len(points), np.inf)
    index = np.empty(len(points), dtype=np.int64)
    for start in range(0, len(points), _CHUNK):
        index[start : start + _CHUNK] = np.argmax(points[start : start + _CHUNK] @ sites.T, axis=1)
    chord = np.linalg.norm(points - sites[index], axis=1)
    return index, 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


@dataclass(frozen=True)
class Site:
    pk: int
    name: str
    commune_name: str
    department_code: str
    latitude: float
    longitude: float


@dataclass
class MissionLocaleReach:
    pk: int
    code: str
    name: str
    seat: str
    department_code: str
    distance_km: float
    nearest_site: str
    young_people: int


@dataclass
class Reach:
    """The analysis over every commune (arrays in the same order) and the missions locales' seats."""

    codes: list[str]
    names: list[str]
    departments: list[str]
    population: np.ndarray
    young_people: np.ndarray  # active records of Tremplin living in the commune
    distance_km: np.ndarray
    nearest_site: np.ndarray  # index into ``sites``, -1 when there is no site at all
    sites: list[Site]
    missions_locales: list[MissionLocaleReach]

    def beyond(self, km: float, mask: np.ndarray | None = None) -> tuple[int, int]:
        """(population, young people) living farther than ``km`` from any site."""
        far = self.distance_km > km
        if mask is not None:
            far &= mask
        return int(self.population[far].sum()), int(self.young_people[far].sum())

    def in_departments(self, codes) -> np.ndarray:
        wanted = set(codes)
        return np.array([code in wanted for code in self.departments], dtype=bool)


def analyse() -> Reach:
    """Read the communes, the sites and the young people's home communes; five queries."""
    communes = list(
        Commune.objects.filter(kind=CommuneKind.COMMUNE, latitude__isnull=False, longitude__isnull=False)
        .order_by("insee_code")
        .values_list("insee_code", "name", "department_id", "population", "latitude", "longitude")
    )
    sites = [
        Site(*row)
        for row in CnamSite.objects.filter(commune__latitude__isnull=False, commune__longitude__isnull=False)
        .order_by("name", "pk")
        .values_list(
            "pk", "name", "commune__name", "commune__department_id", "commune__latitude", "commune__longitude"
        )
    ]
    # A young person may live in a municipal arrondissement (Paris 15e): counted in its commune.
    parent_of = dict(
        Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT).values_list(
            "insee_code", "parent_id"
        )
    )
    young_by_commune: Counter = Counter()
    for commune_id, n in _count_by(YoungPerson.objects.all(), "home_commune_id"):
        young_by_commune[parent_of.get(commune_id) or commune_id] += n
    # Records no longer followed are subtracted: counting all records, then the few archived ones
    # (found through the mission locale + archive date index), reads indexes only, where filtering
    # the whole table on its archive date would read every row.
    archived = YoungPerson.objects.filter(
        mission_locale_id__in=MissionLocale.objects.values("pk"), archived_at__isnull=False
    )
    for commune_id, n in _count_by(archived, "home_commune_id"):
        young_by_commune[parent_of.get(commune_id) or commune_id] -= n

    codes = [c[0] for c in communes]
    site_vectors = unit_vectors([s.latitude for s in sites], [s.longitude for s in sites])
    nearest_site, distance = nearest(
        unit_vectors([c[4] for c in communes], [c[5] for c in communes]), site_vectors
    )
    reach = Reach(
        codes=codes,
        names=[c[1] for c in communes],
        departments=[c[2] for c in communes],
        population=np.array([c[3] for c in communes], dtype=np.int64),
        young_people=np.array([young_by_commune.get(code, 0) for code in codes], dtype=np.int64),
        distance_km=distance,
        nearest_site=nearest_site,
        sites=sites,
        missions_locales=[],
    )
    reach.missions_locales = _missions_locales(site_vectors, sites)
    return reach


def _count_by(queryset, field: str):
    return queryset.values_list(field).annotate(n=Count("pk")).order_by()


def _missions_locales(site_vectors: np.ndarray, sites: list[Site]) -> list[MissionLocaleReach]:
    rows = list(
        MissionLocale.objects.filter(commune__latitude__isnull=False, commune__longitude__isnull=False)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "name",
            "commune__name",
            "commune__department_id",
            "commune__latitude",
            "commune__longitude",
        )
    )
    active = dict(
        YoungPerson.objects.active().values_list("mission_locale_id").annotate(n=Count("pk")).order_by()
    )
    index, distance = nearest(unit_vectors([r[5] for r in rows], [r[6] for r in rows]), site_vectors)
    result = [
        MissionLocaleReach(
            pk=row[0],
            code=row[1],
            name=row[2],
            seat=row[3],
            department_code=row[4],
            distance_km=float(distance[i]),
            nearest_site=sites[index[i]].name if index[i] >= 0 else "",
            young_people=active.get(row[0], 0),
        )
        for i, row in enumerate(rows)
    ]
    result.sort(key=lambda ml: (-ml.distance_km, ml.code))
    return result


# ---------------------------------------------------------------------------------------------------
# Tables


def summary_table(reach: Reach, *, mask: bool, departments=None) -> Table:
    """Population and young people beyond each threshold (over ``departments`` when given)."""
    where = reach.in_departments(departments) if departments is not None else None
    population = int(reach.population[where].sum() if where is not None else reach.population.sum())
    young = int(reach.young_people[where].sum() if where is not None else reach.young_people.sum())
    shown_young = mask_count(young, enabled=mask)
    table = Table(
        key="portee-synthese",
        title="Population éloignée d'un centre Cnam",
        columns=[
            Column("threshold", "Distance au centre Cnam le plus proche", TEXT),
            Column("population", "Habitants", COUNT),
            Column("population_share", "Part des habitants", RATE),
            Column("young", "Jeunes suivis dans Tremplin", COUNT),
            Column("young_share", "Part des jeunes suivis", RATE),
        ],
        note="Distances à vol d'oiseau depuis la mairie de chaque commune ; population municipale (INSEE).",
    )
    for km in THRESHOLDS_KM:
        far_population, far_young = reach.beyond(km, where)
        far_young_shown = mask_count(far_young, enabled=mask)
        table.rows.append(
            [
                f"plus de {km} km",
                far_population,
                ratio(far_population, population),
                far_young_shown,
                ratio(far_young_shown, shown_young),
            ]
        )
    table.rows.append(["ensemble", population, 1.0 if population else None, shown_young, None])
    return table


def department_figures(reach: Reach) -> dict[str, dict]:
    """Per département: population, population beyond 30 and 60 km, farthest commune's distance."""
    figures: dict[str, dict] = defaultdict(lambda: {"population": 0, "young": 0, 30: 0, 60: 0, "max_km": 0.0})
    for i, code in enumerate(reach.departments):
        entry = figures[code]
        population, km = int(reach.population[i]), float(reach.distance_km[i])
        entry["population"] += population
        entry["young"] += int(reach.young_people[i])
        for threshold in THRESHOLDS_KM:
            if km > threshold:
                entry[threshold] += population
        entry["max_km"] = max(entry["max_km"], km)
    return dict(figures)


def department_table(reach: Reach, *, departments=None) -> Table:
    names = dict(Department.objects.values_list("code", "name"))
    figures = department_figures(reach)
    table = Table(
        key="portee-departements",
        title="Part des habitants à plus de 30 et 60 km d'un centre Cnam, par département",
        columns=[
            Column("code", "Département (code)", CODE),
            Column("name", "Département", TEXT),
            Column("population", "Habitants", COUNT),
            Column("share_30", "À plus de 30 km", RATE),
            Column("share_60", "À plus de 60 km", RATE),
            Column("max_km", "Commune la plus éloignée (km)", DECIMAL),
        ],
    )
    wanted = set(departments) if departments is not None else None
    for code in sorted(figures):
        if wanted is not None and code not in wanted:
            continue
        entry = figures[code]
        table.rows.append(
            [
                code,
                names.get(code, code),
                entry["population"],
                ratio(entry[30], entry["population"]),
                ratio(entry[60], entry["population"]),
                entry["max_km"] if np.isfinite(entry["max_km"]) else None,
            ]
        )
    table.rows.sort(key=lambda row: (-(row[3] or 0), row[0]))
    return table


def missions_locales_table(
    reach: Reach, *, mask: bool, departments=None, limit: int = FARTHEST_LIMIT
) -> Table:
    table = Table(
        key="portee-missions-locales",
        title="Missions locales dont le siège est le plus éloigné d'un centre Cnam",
        columns=[
            Column("code", "Code i-milo", CODE),
            Column("name", "Mission locale", TEXT),
            Column("seat", "Commune du siège", TEXT),
            Column("department", "Département", CODE),
            Column("distance", "Distance au centre le plus proche (km)", DECIMAL),
            Column("site", "Centre Cnam le plus proche", TEXT),
            Column("young", "Jeunes suivis dans Tremplin", COUNT),
        ],
    )
    wanted = set(departments) if departments is not None else None
    for ml in reach.missions_locales:
        if wanted is not None and ml.department_code not in wanted:
            continue
        if len(table.rows) >= limit:
            break
        table.rows.append(
            [
                ml.code,
                ml.name,
                ml.seat,
                ml.department_code,
                ml.distance_km if np.isfinite(ml.distance_km) else None,
                ml.nearest_site or "—",
                mask_count(ml.young_people, enabled=mask),
            ]
        )
    return table


def farthest_communes_table(
    reach: Reach, *, departments=None, min_population: int = 2000, limit: int = FARTHEST_LIMIT
) -> Table:
    """Towns (2,000 inhabitants or more) farthest from a site: where a new site would serve a town."""
    table = Table(
        key="portee-communes",
        title=f"Communes de {min_population:,} habitants ou plus les plus éloignées d'un centre Cnam".replace(
            ",", "\u202f"
        ),
        columns=[
            Column("code", "Code INSEE", CODE),
            Column("name", "Commune", TEXT),
            Column("department", "Département", CODE),
            Column("population", "Habitants", COUNT),
            Column("distance", "Distance au centre le plus proche (km)", DECIMAL),
            Column("site", "Centre Cnam le plus proche", TEXT),
        ],
    )
    candidates = reach.population >= min_population
    if departments is not None:
        candidates &= reach.in_departments(departments)
    order = np.argsort(-np.where(candidates, reach.distance_km, -1), kind="stable")
    for i in order[:limit]:
        if not candidates[i]:
            break
        site = reach.nearest_site[i]
        table.rows.append(
            [
                reach.codes[i],
                reach.names[i],
                reach.departments[i],
                int(reach.population[i]),
                float(reach.distance_km[i]) if np.isfinite(reach.distance_km[i]) else None,
                reach.sites[site].name if site >= 0 else "—",
            ]
        )
    return table
