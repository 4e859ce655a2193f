from pathlib import Path

from django.core.management.base import CommandError

from tremplin.catalog import formacode
from tremplin.utils.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe les libellés du Formacode (CSV de lheo-schema) et de la NSF (dictionnaire lheo-dict-NSF.xml) ; "
        "fichiers ou dossier."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="fichiers ou dossier")

    def run(self, report, **options):
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path} : fichier ou dossier introuvable.")
        try:
            formacode.import_paths(options["paths"], report)
        except formacode.CodeFileError as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"Un fichier n'est pas en UTF-8 (octet {exc.start}).") from None
