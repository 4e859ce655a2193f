"""Find communes from what people type: a name (any case, accents, hyphens, apostrophes, "St" for
"Saint"), a postal code or its prefix, an INSEE code.

A SQL ``LIKE`` over 35,000 rows is too slow for an autocomplete, so each process keeps an in-memory
index built on first use:

- communes ranked by population (rank 0 = most populated), so "ties broken by population" is simply
  "smallest rank first" and the best k of any candidate range are its k smallest ranks;
- sorted name keys (the normalized name without spaces, and the same without its article, so "havre"
  finds Le Havre and "lhay" finds L'Haÿ-les-Roses) searched with bisect for exact and prefix matches;
- sorted name words for word-prefix matches ("etienne" finds Saint-Étienne);
- sorted postal codes and INSEE codes for code prefixes, and a dict for an exact INSEE code.

Staleness: ``import_communes`` calls :func:`invalidate` in its own process after a change. Other
processes (web workers) compare a fingerprint — the number of communes and the latest
``Commune.updated_at`` — at most every ``TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS`` seconds (default 60)
and rebuild when it moved, so they see an import within a minute for the cost of one aggregate query
a minute. Writes that bypass ``save()`` (``QuerySet.update``) do not touch ``updated_at`` and must call
:func:`invalidate`; département and région renames are seen by other processes on restart only.
"""

import re
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

MAX_RESULTS = 20
DEFAULT_CHECK_SECONDS = 60

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
# Letters that Unicode decomposition keeps whole; casefold() already turns "ß" into "ss".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")  # the accents that decomposition separates
_CODE = re.compile(r"(?:\d|2[ab])\d*")
_END = "\uffff"  # sorts after every normalized key, which are ASCII


def normalize_name(text: str) -> str:
    """Fold a place name for comparison: lower case, no accents, punctuation as single spaces,
    "st"/"ste" spelled "saint"/"sainte". ``"L'Haÿ-les-Roses"`` → ``"l hay les roses"``,
    ``"St-Étienne"`` → ``"saint etienne"``."""
    text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.casefold())).translate(_LIGATURES)
    return " ".join(_ABBREVIATIONS.get(word, word) for word in _SEPARATORS.sub(" ", text).split())


class CommuneResult(TypedDict):
    insee_code: str
    name: str
    kind: str
    postal_codes: list[str]
    department_code: str
    department_name: str
    region_name: str
    population: int
    latitude: float | None
    longitude: float | None
    size_class: str


@dataclass(frozen=True)
class _Index:
    fingerprint: tuple
    items: list[tuple]  # by rank: the values of CommuneResult, postal codes as a tuple
    words_by_rank: list[tuple[str, ...]]
    name_keys: list[str]
    name_ranks: np.ndarray
    word_keys: list[str]
    word_ranks: np.ndarray
    postal_keys: list[str]
    postal_ranks: np.ndarray
    insee_keys: list[str]  # sorted, upper case ("2A004")
    insee_ranks: np.ndarray


_RESULT_FIELDS = tuple(CommuneResult.__annotations__)
_index: _Index | None = None
_checked_at = float("-inf")
_lock = threading.Lock()


def search_communes(text: str, limit: int = MAX_RESULTS) -> list[CommuneResult]:
    """Communes matching ``text``, best first, at most ``limit`` (capped at 20).

    Order, for a text of digits (or a Corsican "2A…"/"2B…"): communes whose postal code starts with
    it, then the commune with that INSEE code (kept within the limit), then Corsican INSEE codes
    starting with it. For a name: exact name (also without its article: "havre" is exactly Le Havre),
    then names starting with the text, then names having a word starting with each word of the text
    ("etienne", "roses hay"). Within each group, the most populated first. A text shorter than two
    characters (once folded) finds nothing. Returns new dicts (see :class:`CommuneResult`) that the
    caller may modify.
    """
    limit = max(0, min(limit, MAX_RESULTS))
    normalized = normalize_name(text)
    compact = normalized.replace(" ", "")
    if len(compact) < 2 or not limit:
        return []
    index = _current_index()
    if _CODE.fullmatch(compact):
        ranks = _code_ranks(index, compact.upper(), limit)
    else:
        ranks = _name_ranks(index, normalized.split(), compact, limit)
    return [_result(index.items[rank]) for rank in ranks]


def invalidate() -> None:
    """Forget this process's index; the next search rebuilds it from the database."""
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = float("-inf")


def _result(item: tuple) -> CommuneResult:
    result = dict(zip(_RESULT_FIELDS, item, strict=True))
    result["postal_codes"] = list(result["postal_codes"])
    return result


def _code_ranks(index: _Index, code: str, limit: int) -> list[int]:
    chosen: dict[int, None] = {}  # an ordered set
    _add_best(chosen, index.postal_ranks, *_prefix_span(index.postal_keys, code), limit)
    # People type postal codes far more often than INSEE codes, and many codes are both (13013:
    # Marseille's 13th arrondissement and Belcodène): the INSEE match comes after the postal ones,
    # but always within the limit.
    lo = bisect_left(index.insee_keys, code)
    if lo < len(index.insee_keys) and index.insee_keys[lo] == code:
        insee_rank = int(index.insee_ranks[lo])
        if insee_rank not in chosen:
            if len(chosen) >= limit:
                chosen.popitem()
            chosen[insee_rank] = None
    if not code.isdigit():  # "2A", "2B0…": Corsican INSEE codes, whose postal codes are 20xxx
        _add_best(chosen, index.insee_ranks, *_prefix_span(index.insee_keys, code), limit)
    return list(chosen)[:limit]


def _prefix_span(keys: list[str], prefix: str) -> tuple[int, int]:
    lo = bisect_left(keys, prefix)
    return lo, bisect_left(keys, prefix + _END, lo)


def _name_ranks(index: _Index, words: list[str], compact: str, limit: int) -> list[int]:
    chosen: dict[int, None] = {}
    keys = index.name_keys
    lo = bisect_left(keys, compact)
    _add_best(chosen, index.name_ranks, lo, bisect_right(keys, compact, lo), limit)
    _add_best(chosen, index.name_ranks, lo, bisect_left(keys, compact + _END, lo), limit)
    if len(chosen) < limit:
        _add_word_matches(chosen, index, words, limit)
    return list(chosen)[:limit]


def _add_best(chosen: dict[int, None], ranks: np.ndarray, lo: int, hi: int, limit: int) -> None:
    """Add to ``chosen`` the smallest ranks of ``ranks[lo:hi]`` not chosen yet, up to ``limit`` in all."""
    wanted = limit - len(chosen)
    if wanted <= 0 or lo >= hi:
        return
    candidates = ranks[lo:hi]
    # Sorting a large range costs more than the whole rest of a search: first try only its smallest
    # values. A commune can appear several times in a range (several postal codes, two name keys), so
    # when those do not give enough distinct new ranks, fall back to the whole range.
    keep = 4 * (wanted + len(chosen))
    if len(candidates) > keep:
        if _add_new(chosen, np.unique(np.partition(candidates, keep - 1)[:keep]), limit):
            return
    _add_new(chosen, np.unique(candidates), limit)


def _add_new(chosen: dict[int, None], sorted_ranks: np.ndarray, limit: int) -> bool:
    """Add ranks in order until ``chosen`` holds ``limit``; tell whether it does."""
    for rank in sorted_ranks.tolist():
        if rank not in chosen:
            chosen[rank] = None
            if len(chosen) >= limit:
                return True
    return False


def _add_word_matches(chosen: dict[int, None], index: _Index, words: list[str], limit: int) -> None:
    keys = index.word_keys
    spans = sorted(
        ((lo := bisect_left(keys, word), bisect_left(keys, word + _END, lo), word) for word in words),
        key=lambda span: span[1] - span[0],
    )
    lo, hi, _ = spans[0]
    if lo >= hi:
        return
    candidates = np.unique(index.word_ranks[lo:hi])
    others = [word for _, _, word in spans[1:]]
    for other_lo, other_hi, word in spans[1:]:
        if len(candidates) <= 64:
            break  # few enough: check the remaining words one commune at a time below
        candidates = np.intersect1d(candidates, index.word_ranks[other_lo:other_hi], assume_unique=False)
        others.remove(word)
    words_by_rank = index.words_by_rank
    for rank in candidates.tolist():
        if rank in chosen:
            continue
        name_words = words_by_rank[rank]
        if all(any(name_word.startswith(word) for name_word in name_words) for word in others):
            chosen[rank] = None
            if len(chosen) >= limit:
                return


def _current_index() -> _Index:
    global _index, _checked_at
    index, now = _index, time.monotonic()
    interval = getattr(settings, "TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
    if index is not None and now - _checked_at < interval:
        return index
    with _lock:
        fingerprint = _fingerprint()
        if _index is None or _index.fingerprint != fingerprint:
            _index = _build(fingerprint)
        _checked_at = now
        return _index


def _fingerprint() -> tuple:
    from tremplin.territories.models import Commune

    stats = Commune.objects.aggregate(count=Count("pk"), last=Max("updated_at"))
    return (stats["count"], stats["last"])


def _build(fingerprint: tuple) -> _Index:
    from tremplin.territories.models import Commune

    rows = sorted(
        Commune.objects.values_list(
            "insee_code",
            "name",
            "kind",
            "postal_codes",
            "department_id",
            "department__name",
            "department__region__name",
            "population",
            "latitude",
            "longitude",
            "size_class",
        ).order_by(),
        key=lambda row: (-row[7], row[0]),
    )
    items, words_by_rank = [], []
    name_pairs, word_pairs, postal_pairs, insee_pairs = [], [], [], []
    for rank, row in enumerate(rows):
        postal_codes = tuple(row[3].split())
        items.append((*row[:3], postal_codes, *row[4:]))
        words = normalize_name(row[1]).split()
        words_by_rank.append(tuple(words))
        name_pairs.append(("".join(words), rank))
        if len(words) > 1 and words[0] in _ARTICLES:
            name_pairs.append(("".join(words[1:]), rank))
        word_pairs.extend((word, rank) for word in set(words))
        postal_pairs.extend((code, rank) for code in set(postal_codes))
        insee_pairs.append((row[0].upper(), rank))
    return _Index(
        fingerprint,
        items,
        words_by_rank,
        *_sorted_keys(name_pairs),
        *_sorted_keys(word_pairs),
        *_sorted_keys(postal_pairs),
        *_sorted_keys(insee_pairs),
    )


def _sorted_keys(pairs: list[tuple[str, int]]) -> tuple[list[str], np.ndarray]:
    keys = [key for key, _ in pairs]
    order = sorted(range(len(keys)), key=keys.__getitem__)  # sorting strings is faster than tuples
    ranks = np.fromiter((rank for _, rank in pairs), dtype=np.int32, count=len(pairs))
    return [keys[i] for i in order], ranks[np.array(order, dtype=np.intp)]
