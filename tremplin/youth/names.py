"""Name comparison for duplicate detection: accent- and case-insensitive, tolerant of swapped first
and last names, compound names given in part, and one typing error."""

from tremplin.catalog.text import fold


def name_key(first_name: str, last_name: str) -> str:
    """Folded "first last": what the list's name search matches."""
    return fold(f"{first_name} {last_name}")


def similar_names(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Whether two (first name, last name) pairs may name the same person."""
    a_first, a_last, b_first, b_last = (fold(x) for x in (first_a, last_a, first_b, last_b))
    if not (a_first and a_last and b_first and b_last):
        return False
    straight = _similar(a_first, b_first) and _similar(a_last, b_last)
    swapped = _similar(a_first, b_last) and _similar(a_last, b_first)
    return straight or swapped


def _similar(a: str, b: str) -> bool:
    if a.replace(" ", "") == b.replace(" ", ""):
        return True
    # "Jean" and "Jean-Pierre", "Martin" and "Martin Dupont": every word of the shorter in the longer.
    words_a, words_b = a.split(), b.split()
    shorter, longer = sorted((words_a, words_b), key=len)
    if len(shorter) < len(longer) and all(word in longer for word in shorter):
        return True
    # One typing error (a letter added, dropped or changed) in a name long enough for it to mean little.
    return min(len(a), len(b)) >= 4 and _within_one_edit(a, b)


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]
