"""What the young person form resolves from typed text: a commune, ROME fiches.

The commune field works without JavaScript: the typed text is resolved on submit (an INSEE code, the
"Name (dept)" that the autocomplete writes, or a name or postal code that designates one commune).
The ROME picker's search covers fiche codes, fiche labels and the ~11,000 appellations ("boulanger"
finds D1102) from a small in-memory index, rebuilt when the referential's size changes.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count

from tremplin.catalog.models import RomeAppellation, RomeFiche
from tremplin.catalog.text import fold
from tremplin.territories.lookup import normalize_name, search_communes
from tremplin.territories.models import Commune

COMMUNE_FIELD = "Commune de résidence"
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_NAME_AND_DEPARTMENT = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<dept>\d[0-9AB]{1,2})\s*\)$", re.IGNORECASE)
_SHOWN_CHOICES = 5


def commune_label(commune: Commune) -> str:
    """What the field shows for a commune, and what it resolves back: "Rodez (12)"."""
    return f"{commune.name} ({commune.department_id})"


def resolve_commune(text: str) -> Commune:
    """The one commune ``text`` designates, or a ``ValidationError`` in French naming the field."""
    text = " ".join(text.split())
    if not text:
        raise ValidationError(f"{COMMUNE_FIELD} : indiquez la commune où habite la personne.")
    if _INSEE.match(text):
        return _resolve_code(text.upper())
    if match := _NAME_AND_DEPARTMENT.match(text):
        name, dept = match["name"], match["dept"].upper()
        found = list(Commune.objects.filter(search_name=normalize_name(name), department_id=dept)[:2])
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                f"{COMMUNE_FIELD} : aucune commune « {name} » dans le département {dept}. "
                "Vérifiez l'orthographe ou choisissez la commune dans la liste proposée."
            )
        text = name  # homonyms within one département: fall through to the choices below
    results = search_communes(text, limit=20)
    wanted = normalize_name(text).replace(" ", "")
    exact = [r for r in results if _name_keys(r["name"]) & {wanted}]
    if len(exact) == 1 or (not exact and len(results) == 1):
        return Commune.objects.get(pk=(exact or results)[0]["insee_code"])
    if not results:
        raise ValidationError(
            f"{COMMUNE_FIELD} : aucune commune ne correspond à « {text} ». "
            "Tapez son nom, son code postal ou son code INSEE."
        )
    choices = exact or results
    examples = ", ".join(f"{r['name']} ({r['department_code']})" for r in choices[:_SHOWN_CHOICES])
    more = " …" if len(choices) > _SHOWN_CHOICES else ""
    raise ValidationError(
        f"{COMMUNE_FIELD} : plusieurs communes correspondent à « {text} » ({examples}{more}). "
        f"Précisez le département, par exemple « {choices[0]['name']} ({choices[0]['department_code']}) »."
    )


def _resolve_code(code: str) -> Commune:
    """An INSEE code, or a postal code that only one commune has."""
    by_insee = Commune.objects.filter(pk=code).first()
    by_postal = [r for r in search_communes(code, limit=20) if code in r["postal_codes"]]
    codes = {r["insee_code"] for r in by_postal}
    if by_insee is not None and (not codes or codes == {by_insee.pk}):
        return by_insee
    if by_insee is None and len(codes) == 1:
        return Commune.objects.get(pk=codes.pop())
    if by_insee is None and not codes:
        raise ValidationError(
            f"{COMMUNE_FIELD} : aucune commune n'a le code « {code} » (ni code INSEE, ni code postal)."
        )
    names = [f"{r['name']} ({r['department_code']})" for r in by_postal]
    if by_insee is not None and by_insee.pk not in codes:
        names.insert(0, f"{commune_label(by_insee)}, de code INSEE {code}")
    examples = ", ".join(names[:_SHOWN_CHOICES]) + (" …" if len(names) > _SHOWN_CHOICES else "")
    raise ValidationError(
        f"{COMMUNE_FIELD} : le code « {code} » désigne plusieurs communes ({examples}). "
        "Tapez le nom de la commune."
    )


def _name_keys(name: str) -> set[str]:
    """The compact normalized name, and the same without a leading article ("havre" is Le Havre)."""
    words = normalize_name(name).split()
    keys = {"".join(words)}
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        keys.add("".join(words[1:]))
    return keys


# ---------------------------------------------------------------------------------------------------
# ROME fiches

ROME_CODE = re.compile(r"^[A-N]\d{4}$")
ROME_SEARCH_LIMIT = 15


@dataclass(frozen=True)
class _RomeIndex:
    fingerprint: tuple
    labels: dict[str, str]  # fiche code → label
    # (folded text, fiche code, label shown) for fiche labels then appellations, and the sorted words
    # of those texts with the entry they belong to.
    entries: list[tuple[str, str, str]]
    words: list[tuple[str, int]]


_rome_index: _RomeIndex | None = None
_rome_lock = threading.Lock()


def search_rome(text: str, limit: int = ROME_SEARCH_LIMIT) -> list[dict]:
    """ROME fiches for what a counsellor types: a code or its start ("D11"), or words of a fiche
    label or of an appellation ("boulanger", "aide soignant"). Each result: ``code``, ``label`` and
    ``match`` (the appellation that matched, or "")."""
    folded = fold(text)
    if len(folded.replace(" ", "")) < 2:
        return []
    index = _current_rome_index()
    compact = folded.replace(" ", "").upper()
    if re.fullmatch(r"[A-N]\d{0,4}", compact):
        codes = sorted(code for code in index.labels if code.startswith(compact))[:limit]
        return [{"code": code, "label": index.labels[code], "match": ""} for code in codes]
    found: dict[str, str] = {}
    for position in _matching_entries(index, folded.split()):
        _, code, shown = index.entries[position]
        if code not in found:
            found[code] = "" if shown == index.labels[code] else shown
            if len(found) >= limit:
                break
    return [{"code": code, "label": index.labels[code], "match": match} for code, match in found.items()]


def rome_labels(codes) -> dict[str, str]:
    index = _current_rome_index()
    return {code: index.labels[code] for code in codes if code in index.labels}


def _matching_entries(index: _RomeIndex, words: list[str]) -> list[int]:
    """Entries having a word starting with each typed word; fiche labels first, then appellations
    whose text starts with the query, then the others, each in the index's order."""
    sets = []
    for word in words:
        lo = bisect_left(index.words, (word, -1))
        hits = set()
        while lo < len(index.words) and index.words[lo][0].startswith(word):
            hits.add(index.words[lo][1])
            lo += 1
        sets.append(hits)
    positions = set.intersection(*sets) if sets else set()
    query = " ".join(words)

    def rank(position: int):
        text, code, shown = index.entries[position]
        is_fiche = shown == index.labels[code]
        return (not text.startswith(query), not is_fiche, len(text), position)

    return sorted(positions, key=rank)


def _current_rome_index() -> _RomeIndex:
    global _rome_index
    fingerprint = tuple(
        RomeFiche.objects.aggregate(
            fiches=Count("pk", distinct=True), appellations=Count("appellations")
        ).values()
    )
    if _rome_index is not None and _rome_index.fingerprint == fingerprint:
        return _rome_index
    with _rome_lock:
        if _rome_index is None or _rome_index.fingerprint != fingerprint:
            _rome_index = _build_rome_index(fingerprint)
        return _rome_index


def _build_rome_index(fingerprint: tuple) -> _RomeIndex:
    labels = dict(RomeFiche.objects.order_by("code").values_list("code", "label"))
    entries = [(fold(f"{label} {code}"), code, label) for code, label in labels.items()]
    entries += [
        (fold(label), code, label)
        for label, code in RomeAppellation.objects.order_by("label").values_list("label", "fiche_id")
    ]
    words = sorted(
        {(word, position) for position, (text, _, _) in enumerate(entries) for word in text.split()}
    )
    return _RomeIndex(fingerprint, labels, entries, words)


def forget_rome_index() -> None:
    global _rome_index
    with _rome_lock:
        _rome_index = None
