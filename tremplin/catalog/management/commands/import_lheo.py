from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from tremplin.catalog.lheo.importer import LheoImporter
from tremplin.catalog.lheo.reader import LheoFileError, LheoReader
from tremplin.utils.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe une offre de formation au format LHEO 2.2 ou 2.3 (lecture en continu, quelle que soit la "
        "taille du fichier). Mise à jour idempotente sur les numéros LHEO des formations, actions et sessions."
    )
    allow_skip_invalid = True

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="fichier XML LHEO")
        parser.add_argument(
            "--cnam-only",
            action="store_true",
            help="n'importer que l'offre du Cnam ; le reste est compté comme ignoré",
        )
        parser.add_argument(
            "--validate", action="store_true", help="valider d'abord le fichier avec le schéma XSD LHEO 2.3"
        )
        parser.add_argument(
            "--xsd", type=Path, default=None, help="schéma LHEO 2.3 (par défaut : réglage LHEO_XSD_PATH)"
        )
        parser.add_argument(
            "--cnam-siret",
            action="append",
            default=[],
            metavar="SIRET",
            help="SIRET d'une entité du Cnam (répétable) : l'organisme est marqué comme Cnam",
        )

    def run(self, report, **options):
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} : fichier introuvable.")
        reader = LheoReader(path)
        try:
            version = reader.check()
            size = path.stat().st_size
            megabytes = f"{size / 1_000_000:.1f}".replace(".", ",")
            self.stdout.write(f"{path.name} : LHEO {version}, {megabytes} Mo")
            if options["validate"]:
                xsd = options["xsd"] or Path(settings.LHEO_XSD_PATH)
                problems = reader.validate(xsd)
                if problems:
                    for problem in problems:
                        self.stderr.write(problem)
                    raise CommandError(
                        f"{path.name} : non conforme au schéma LHEO 2.3 ({xsd.name}) ; rien n'a été importé."
                    )
                self.stdout.write(f"{path.name} : conforme au schéma LHEO 2.3.")
            sirets = frozenset(s.replace(" ", "") for s in options["cnam_siret"])
            self.importer = LheoImporter(
                report=report,
                file_name=path.name,
                cnam_only=options["cnam_only"],
                skip_invalid=options.get("skip_invalid", False),
                cnam_sirets=sirets,
            )
            with tqdm(
                total=size, unit="o", unit_scale=True, disable=None, desc=path.name, leave=False
            ) as bar:

                def progress(position: int) -> None:
                    bar.update(position - bar.n)

                self.importer.run(reader.formations(progress=progress))
        except LheoFileError as exc:
            raise CommandError(str(exc)) from None

    def after_import(self, report, *, dry_run):
        for line in self.importer.summary_lines():
            self.stdout.write(line)
