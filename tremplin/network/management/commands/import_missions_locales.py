"""``python manage.py import_missions_locales PATH``: create or update the missions locales.

PATH is either the i-milo structures referential in JSON (``.json``: a list of objects with ``id``,
``nom_officiel``, ``nom_usuel``, ``code_departement``, ``code_region``) or a CSV file (``.csv``, UTF-8,
separated by ``;``) with the header::

    code;nom;nom_officiel;code_insee;adresse;courriel;telephone

where ``code`` (i-milo structure code, ``NNNNNS00``) and ``nom`` (usual name) are required and the
other columns optional: ``nom_officiel`` (official i-milo name, ``"DD-ML COMMUNE"``), ``code_insee``
(seat commune; when empty it is found from the code or the official name), ``adresse``, ``courriel``,
``telephone``. The structure code is the key: a second run with the same file changes nothing.
See :mod:`tremplin.network.missions_locales` for how the seat commune is located.
"""

from pathlib import Path

from django.core.management.base import CommandError

from tremplin.network.files import FileRefused
from tremplin.network.missions_locales import CSV_OPTIONAL, CSV_REQUIRED, read_structures, upsert_structures
from tremplin.utils.importing import ImportCommand, ImportReport


class Command(ImportCommand):
    help = (
        "Importe les missions locales depuis le référentiel des structures i-milo (JSON) ou un fichier CSV "
        f"(UTF-8, séparateur « ; », en-tête {';'.join(CSV_REQUIRED + CSV_OPTIONAL)} ; code et nom obligatoires). "
        "Le code de structure (NNNNNS00) est la clé : relancer l'import ne crée pas de doublon. "
        "La commune du siège est déduite de code_insee, sinon des cinq premiers caractères du code, "
        "sinon du nom officiel « DD-ML COMMUNE » ; les structures non localisées sont importées et listées."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="fichier .json (référentiel i-milo) ou .csv")

    def run(self, report: ImportReport, *, path: Path, **options) -> None:
        try:
            records = read_structures(path, report)
        except FileRefused as exc:
            raise CommandError(str(exc)) from None
        self.location_summary = upsert_structures(records, report)

    def after_import(self, report: ImportReport, *, dry_run: bool) -> None:
        for line in self.location_summary.lines():
            self.stdout.write(line)
