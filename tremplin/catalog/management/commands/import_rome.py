from pathlib import Path

from django.core.management.base import CommandError

from tremplin.catalog import rome
from tremplin.utils.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe le référentiel ROME v4 (grands domaines, domaines, fiches, appellations) depuis des "
        "fichiers ou un dossier (voir tremplin/catalog/rome.py pour les formats acceptés)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="fichiers CSV/JSON ou dossier")

    def run(self, report, **options):
        files = []
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path} : fichier ou dossier introuvable.")
            files += rome.files_in_order(path)
        if not files:
            raise CommandError("Aucun fichier ROME (.csv, .json) à importer.")
        importer = rome.RomeImport(report)
        for path in files:
            try:
                kind = importer.read(path)
            except rome.RomeFormatError as exc:
                raise CommandError(str(exc)) from None
            except UnicodeDecodeError as exc:
                raise CommandError(
                    f"{path.name} : le fichier n'est pas en UTF-8 (octet {exc.start})."
                ) from None
            self.stdout.write(f"{path.name} : {kind}")
        for outcome, n in importer.write().items():
            report.count(outcome, n)
