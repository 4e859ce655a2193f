from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.catalog.lheo.writer import export_offer
from tremplin.territories.models import Region


class Command(BaseCommand):
    help = "Exporte l'offre enregistrée (sessions passées comprises) au format LHEO 2.3."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="fichier XML à écrire")
        parser.add_argument(
            "--region", metavar="CODE", help="seulement les actions de cette région (code INSEE, ex. 76)"
        )
        parser.add_argument("--cnam-only", action="store_true", help="seulement l'offre du Cnam")

    def handle(self, *args, **options):
        region = options["region"]
        if region and not Region.objects.filter(pk=region).exists():
            raise CommandError(f"Région inconnue « {region} » (code INSEE attendu, par exemple 76).")
        out: Path = options["out"]
        if not out.parent.exists():
            raise CommandError(f"{out.parent} : dossier introuvable.")
        counts = export_offer(out, region=region, cnam_only=options["cnam_only"])
        self.stdout.write(
            f"{out} : {counts['trainings']} formations, {counts['actions']} actions, {counts['sessions']} sessions."
        )
