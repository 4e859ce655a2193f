"""Locating the places of imported actions: the commune (INSEE code, else postal code + city name)
and, for the Cnam's offer, the Cnam site that teaches there.

Lookups are batched (one query per batch of records for the codes not seen yet) and cached; the
caches are bounded by the number of communes, not by the size of the file."""

import re
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_

from django.db.models import Q

from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite
from tremplin.territories.lookup import normalize_name
from tremplin.territories.models import Commune

_CEDEX = re.compile(r"\bcedex\b.*$", re.IGNORECASE)
_QUERY_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Place:
    insee_code: str
    latitude: float | None
    longitude: float | None
    parent_code: str | None  # the commune of a municipal arrondissement (Paris, Lyon, Marseille)


@lru_cache(maxsize=4096)
def city_key(city: str) -> str:
    return normalize_name(_CEDEX.sub("", city))


class PlaceResolver:
    def __init__(self):
        self._by_insee: dict[str, Place | None] = {}
        self._by_postal_code: dict[str, list[tuple[str, str, Place]]] = {}  # cp -> [(name key, kind, place)]
        self._by_department_name: dict[tuple[str, str], Place | None] = {}
        self._sites: dict[str, list[tuple[int, str, str]]] | None = None

    # -- communes ------------------------------------------------------------------------------------

    def prefetch(self, insee_codes: set[str], postal_codes: set[str]) -> None:
        """Load in a few queries the communes that the next records need."""
        missing = [code for code in insee_codes if code and code not in self._by_insee]
        for start in range(0, len(missing), _QUERY_CHUNK):
            chunk = missing[start : start + _QUERY_CHUNK]
            for code in chunk:
                self._by_insee[code] = None
            for row in Commune.objects.filter(pk__in=chunk).values_list(
                "insee_code", "latitude", "longitude", "parent_id"
            ):
                self._by_insee[row[0]] = Place(*row)
        missing = [code for code in postal_codes if code and code not in self._by_postal_code]
        for start in range(0, len(missing), _QUERY_CHUNK):
            chunk = missing[start : start + _QUERY_CHUNK]
            for code in chunk:
                self._by_postal_code[code] = []
            query = reduce(or_, (Q(postal_codes__contains=code) for code in chunk))
            wanted = set(chunk)
            rows = Commune.objects.filter(query).values_list(
                "insee_code", "latitude", "longitude", "parent_id", "search_name", "kind", "postal_codes"
            )
            for insee, lat, lon, parent, search_name, kind, codes in rows:
                place = Place(insee, lat, lon, parent)
                self._by_insee.setdefault(insee, place)
                for code in set(codes.split()) & wanted:
                    self._by_postal_code[code].append((search_name, kind, place))

    def locate(self, *, insee_code: str, postal_code: str, city: str) -> Place | None:
        """The commune of an address: by INSEE code, else by postal code and city name, else by city
        name within the département of the postal code (CEDEX codes are no commune's postal code)."""
        if insee_code:
            place = self._by_insee.get(insee_code)
            if place is None and insee_code not in self._by_insee:
                self.prefetch({insee_code}, set())
                place = self._by_insee.get(insee_code)
            if place is not None:
                return place
        if not postal_code:
            return None
        if postal_code not in self._by_postal_code:
            self.prefetch(set(), {postal_code})
        key = city_key(city)
        candidates = self._by_postal_code[postal_code]
        named = [entry for entry in candidates if entry[0] == key]
        if named:
            named.sort(key=lambda entry: entry[1] != "COM")  # "Paris" is the commune, not an arrondissement
            return named[0][2]
        if len(candidates) == 1:
            return candidates[0][2]
        if not key:
            return None
        return self._by_name_in_department(postal_code, key)

    def _by_name_in_department(self, postal_code: str, key: str) -> Place | None:
        department = postal_code[:3] if postal_code.startswith("97") else postal_code[:2]
        if department == "20":  # Corsica: 2A and 2B share the postal prefix 20
            prefixes = ("2A", "2B")
        else:
            prefixes = (department,)
        cache_key = (department, key)
        if cache_key not in self._by_department_name:
            rows = list(
                Commune.objects.filter(
                    reduce(or_, (Q(insee_code__startswith=prefix) for prefix in prefixes)), search_name=key
                ).values_list("insee_code", "latitude", "longitude", "parent_id")[:2]
            )
            self._by_department_name[cache_key] = Place(*rows[0]) if len(rows) == 1 else None
        return self._by_department_name[cache_key]

    # -- Cnam sites ----------------------------------------------------------------------------------

    def cnam_site_for(self, place: Place | None, address: str) -> int | None:
        """The Cnam site that teaches at a place: the one in the same commune (a site whose address
        matches first, then a teaching site before a regional centre)."""
        if place is None:
            return None
        if self._sites is None:
            self._load_sites()
        candidates = self._sites.get(place.insee_code) or (
            self._sites.get(place.parent_code) if place.parent_code else None
        )
        if not candidates:
            return None
        folded = normalize_name(address)
        for site_id, site_address, _ in candidates:
            if folded and site_address == folded:
                return site_id
        return sorted(candidates, key=lambda site: (site[2] != CnamSiteKind.SITE, site[0]))[0][0]

    def _load_sites(self) -> None:
        self._sites = {}
        rows = CnamSite.objects.values_list("pk", "address", "site_kind", "commune_id", "commune__parent_id")
        for pk, address, kind, commune, parent in rows:
            entry = (pk, normalize_name(address), kind)
            self._sites.setdefault(commune, []).append(entry)
            if parent:
                self._sites.setdefault(parent, []).append(entry)
