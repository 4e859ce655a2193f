"""Text files handed to the imports by operators: UTF-8 (with or without a byte order mark), never a
spreadsheet, never a NUL character. Refusals are French and name the file and the line."""

from pathlib import Path

# Spreadsheet formats people send instead of CSV: their files start with these bytes.
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class FileRefused(Exception):
    """The file as a whole cannot be imported (the message is French and names the file)."""


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (with or without a byte order mark)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileRefused(f"{path} : fichier introuvable.") from None
    except IsADirectoryError:
        raise FileRefused(f"{path} : c'est un dossier, pas un fichier.") from None
    except OSError as exc:
        raise FileRefused(f"{path} : fichier illisible ({exc.strerror}).") from None
    if data.startswith(_SPREADSHEET_MAGIC):
        raise FileRefused(
            f"{path.name} : c'est un classeur (Excel ou LibreOffice), pas un fichier texte ; "
            "enregistrez-le au format « CSV UTF-8 » avec le séparateur « ; »."
        )
    if b"\x00" in data:
        # No text file holds one, and PostgreSQL cannot store it.
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}, ligne {line} : caractère nul : ce n'est pas un fichier texte "
            "(enregistrez-le au format « CSV UTF-8 »)."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}, ligne {line} : le fichier n'est pas encodé en UTF-8 "
            "(enregistrez-le au format « CSV UTF-8 »)."
        ) from None
