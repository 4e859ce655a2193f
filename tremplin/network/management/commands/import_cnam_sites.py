"""``python manage.py import_cnam_sites PATH [--demo]``: create or update the Cnam regional centres and sites.

PATH is a CSV file in UTF-8 separated by ``;`` with the header::

    code;nom;type;centre_regional;code_insee;adresse;courriel;au_coeur_des_territoires

``type`` is ``centre_regional`` or ``site``; ``centre_regional`` is, for a site, the code of its regional
centre (in the file or already imported); ``au_coeur_des_territoires`` is ``oui`` or ``non``.
The code is the key: a second run with the same file changes nothing. Any error (line and column
named) aborts the import and nothing is written. See :mod:`tremplin.network.cnam_sites`.
"""

from pathlib import Path

from django.core.management.base import CommandError

from tremplin.network.cnam_sites import COLUMNS, read_sites, upsert_sites
from tremplin.network.files import FileRefused
from tremplin.utils.importing import ImportCommand, ImportReport


class Command(ImportCommand):
    help = (
        f"Importe les centres du Cnam depuis un CSV (UTF-8, séparateur « ; », en-tête {';'.join(COLUMNS)}). "
        "type : centre_regional ou site ; centre_regional : code du centre régional d'un site (dans le fichier "
        "ou déjà importé) ; au_coeur_des_territoires : oui ou non. Le code est la clé : relancer l'import ne "
        "crée pas de doublon. À la moindre erreur, rien n'est enregistré."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="fichier CSV des centres")
        parser.add_argument(
            "--demo", action="store_true", help="marquer les centres importés comme données de démonstration"
        )

    def run(self, report: ImportReport, *, path: Path, demo: bool, **options) -> None:
        try:
            records = read_sites(path, report)
        except FileRefused as exc:
            raise CommandError(str(exc)) from None
        upsert_sites(records, report, is_demo=demo)
