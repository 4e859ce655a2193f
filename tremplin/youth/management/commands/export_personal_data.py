"""``export_personal_data ID [--output FILE] [--mission-locale CODE]``: everything held about one young
person, as JSON (right of access). The export is written in the person's access log."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.youth.models import YoungPerson
from tremplin.youth.personal_export import personal_data_export


class Command(BaseCommand):
    help = (
        "Exporte en JSON (UTF-8) tout ce que Tremplin conserve sur un ou une jeune : fiche, accord, "
        "orientations avec leur historique et leurs messages, journal des consultations."
    )

    def add_arguments(self, parser):
        parser.add_argument("id", help="Identifiant de la fiche (le nombre dans l'adresse /jeunes/ID/).")
        parser.add_argument("--output", "-o", help="Fichier à écrire (par défaut : la sortie standard).")
        parser.add_argument(
            "--mission-locale",
            help="Code de la mission locale qui fait la demande (ex. 12202S00) : refuse une fiche d'une autre.",
        )

    def handle(self, *args, id, output=None, mission_locale=None, **options):
        if not id.isdigit():
            raise CommandError(
                f"« {id} » n'est pas un identifiant de fiche : indiquez un nombre, par exemple 42."
            )
        person = YoungPerson.objects.select_related("mission_locale").filter(pk=int(id)).first()
        if person is None:
            raise CommandError(f"Aucune fiche de jeune n'a l'identifiant {id}.")
        if mission_locale and person.mission_locale.code != mission_locale:
            raise CommandError(
                f"La fiche {id} n'appartient pas à la mission locale {mission_locale} : rien n'est exporté."
            )
        document = personal_data_export(person)
        if output:
            try:
                Path(output).write_text(document, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Impossible d'écrire le fichier {output} : {error.strerror}.") from None
            self.stdout.write(f"Données de la fiche {id} écrites dans {output}.")
        else:
            self.stdout.write(document, ending="")
