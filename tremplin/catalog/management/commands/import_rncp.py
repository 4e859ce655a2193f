from pathlib import Path

from django.core.management.base import CommandError

from tremplin.catalog import rncp
from tremplin.catalog.services import catalog_changed
from tremplin.utils.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe les certifications du RNCP depuis les extraits CSV de France Compétences (fichiers ou "
        "dossier ; colonnes attendues : voir tremplin/catalog/rncp.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="fichiers CSV ou dossier")

    def run(self, report, **options):
        importer = rncp.RncpImport(report)
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path} : fichier ou dossier introuvable.")
        try:
            files = importer.files(options["paths"])
        except rncp.RncpFormatError as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"Un fichier n'est pas en UTF-8 (octet {exc.start}) : {exc.reason}.") from None
        if not files:
            raise CommandError("Aucun extrait RNCP reconnu dans les chemins donnés.")
        for kind, path, rows in files:
            self.stdout.write(f"{path.name} : {len(rows)} lignes ({kind})")
            importer.read(kind, path, rows)
        if report.errors:
            return
        counts = importer.write()
        for outcome, n in counts.items():
            report.count(outcome, n)
        if counts["created"] or counts["updated"]:
            catalog_changed()
