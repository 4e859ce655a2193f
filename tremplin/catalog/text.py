"""Small text helpers for imported values: folding for search, placeholders, HTML to plain text,
dates in the formats real files use."""

import calendar
import datetime
import html
import re
import unicodedata

# Values that real files put in required fields when they have nothing to say.
PLACEHOLDERS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        ".",
        "..",
        "...",
        "/",
        "?",
        "nc",
        "n/c",
        "n.c.",
        "na",
        "n/a",
        "neant",
        "néant",
        "non communique",
        "non communiqué",
        "non renseigne",
        "non renseigné",
        "sans objet",
        "aucun",
        "aucune",
        "00000000000",
    }
)


# Letters that Unicode decomposition does not split into a base letter and an accent.
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ø", "o"), ("ß", "ss"), ("ł", "l"), ("đ", "d"))
_NON_WORD = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|p|/div|div|/h[1-6]|tr|/tr|/ul|/ol)\b[^>]*>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_NEEDS_WORK = re.compile(r"[<&\n\r\t\f\v\u00a0]|  ")
_LONGEST_PLACEHOLDER = max(len(p) for p in PLACEHOLDERS)


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: what search compares."""
    text = text.lower()
    if not text.isascii():
        for letter, replacement in _LIGATURES:
            if letter in text:
                text = text.replace(letter, replacement)
        # Accents go; any other character that is not a letter or a digit separates words ("·", "—").
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_NON_WORD.sub(" ", text).split())


def is_placeholder(value: str) -> bool:
    return value.strip().casefold() in PLACEHOLDERS


def clean_text(value: str | None) -> str:
    """Plain text from an imported field: HTML tags turned into line breaks or dropped, entities
    decoded, placeholders such as ``-`` made empty. Templates escape what remains, so a tag that
    survives this cannot run."""
    if value is None:
        return ""
    if not _NEEDS_WORK.search(value):  # the common case: one clean line
        value = value.strip()
        return "" if len(value) <= _LONGEST_PLACEHOLDER and value.casefold() in PLACEHOLDERS else value
    if "<" in value or "&" in value:
        value = _SCRIPT.sub("", value)  # code is not text: drop it with its content
        value = _LIST_ITEM.sub("\n– ", value)
        value = _BLOCK_TAGS.sub("\n", value)
        value = html.unescape(_TAG.sub("", value))
        if "<" in value:  # entities decoded into tags, e.g. "&lt;script&gt;"
            value = _TAG.sub("", _SCRIPT.sub("", value))
    if "\n" in value or "\r" in value:
        lines = (_SPACES.sub(" ", line).strip() for line in value.replace("\r\n", "\n").split("\n"))
        value = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    else:
        value = _SPACES.sub(" ", value).strip()
    return "" if value.casefold() in PLACEHOLDERS else value


class DateFormatError(ValueError):
    pass


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: str, *, end: bool = False) -> datetime.date | None:
    """A date as LHEO writes it (``20150901``; ``20150900`` a month, ``20150000`` a year, ``00000000``
    and ``99999999`` unknown), as ISO (``2015-09-01``, with or without a time) or as ``01/09/2015``.
    A month or a year stands for its first day, or its last one when ``end`` is true."""
    value = value.strip()
    if not value or is_placeholder(value) or value in ("00000000", "99999999"):
        return None
    try:
        if len(value) == 8 and value.isdigit():
            year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
            if month == 0:
                return datetime.date(year, 12, 31) if end else datetime.date(year, 1, 1)
            if day == 0:
                day = calendar.monthrange(year, month)[1] if end else 1
            return datetime.date(year, month, day)
        if match := _ISO.match(value):
            return datetime.date(*(int(part) for part in match.groups()))
        if match := _FRENCH.fullmatch(value):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass
    raise DateFormatError(f"date illisible « {value} » (formats acceptés : AAAAMMJJ, AAAA-MM-JJ, JJ/MM/AAAA)")


def lheo_date(value: datetime.date | None, *, end: bool = False) -> str:
    if value is None:
        return "99999999" if end else "00000000"
    return value.strftime("%Y%m%d")


def split_lines(text: str, width: int, max_lines: int) -> list[str]:
    """Cut an address into at most ``max_lines`` lines of at most ``width`` characters (LHEO's
    ``ligne`` holds 50), on word boundaries where possible."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        words, current = paragraph.split(), ""
        for word in words:
            while len(word) > width:
                if current:
                    lines.append(current)
                    current = ""
                lines.append(word[:width])
                word = word[width:]
            if not current:
                current = word
            elif len(current) + 1 + len(word) <= width:
                current = f"{current} {word}"
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])[:width]]
    return lines
