"""``export_stats OUT_DIR --period 2025-01..2025-12``: the open-data export of the partnership's
aggregated figures (CSV files and a LISEZMOI.txt), small counts masked. See tremplin/stats/opendata.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.stats import opendata
from tremplin.stats.periods import Period


class Command(BaseCommand):
    help = "Exporte les chiffres agrégés (données ouvertes) d'une période dans un dossier."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="dossier où écrire les fichiers (créé au besoin)")
        parser.add_argument(
            "--period",
            default="",
            help="mois d'envoi des orientations, AAAA-MM..AAAA-MM (par défaut : les 12 derniers mois)",
        )

    def handle(self, *args, out_dir, period, **options):
        try:
            chosen = Period.parse(period) if period else Period.last_months(12)
        except ValueError as error:
            raise CommandError(f"--period : {error}") from None
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} existe et n'est pas un dossier.")
        paths = opendata.write(out, chosen)
        self.stdout.write(f"{len(paths)} fichiers écrits dans {out} (orientations envoyées {chosen.label}).")
