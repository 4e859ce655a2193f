"""``purge_personal_data [--dry-run]``: anonymise the records past their retention (run nightly from
cron, see docs/personal-data.md). One transaction per person: an interruption leaves every record
either untouched or fully anonymised, and the next run finishes the work."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tremplin.youth.anonymisation import purge_candidates, young_person_anonymise
from tremplin.youth.enums import AnonymisationReason
from tremplin.youth.models import YoungPerson

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Anonymise les fiches des jeunes sans activité depuis RETENTION_MONTHS mois, et celles des personnes "
        "ayant atteint RETENTION_MAX_AGE ans. Les statistiques restent identiques. À lancer chaque nuit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter les fiches concernées sans rien modifier."
        )

    def handle(self, *args, dry_run=False, **options):
        candidates = purge_candidates()
        counts = dict.fromkeys(AnonymisationReason, 0)
        done, failed = 0, []
        for candidate in candidates:
            counts[candidate.reason] += 1
            if dry_run:
                continue
            person = YoungPerson.objects.filter(pk=candidate.pk).first()
            try:
                if person is not None and young_person_anonymise(
                    young_person=person, reason=candidate.reason
                ):
                    done += 1
            except Exception:
                # This person's transaction is rolled back whole; the others go on. The id only:
                # no personal data in the cron's output.
                logger.exception("anonymisation of young person %s failed", candidate.pk)
                failed.append(candidate.pk)
        inactive, aged = counts[AnonymisationReason.INACTIVITY], counts[AnonymisationReason.AGE]
        detail = (
            f"{inactive} sans activité depuis {settings.RETENTION_MONTHS} mois, "
            f"{aged} ayant atteint {settings.RETENTION_MAX_AGE} ans"
        )
        if dry_run:
            self.stdout.write(
                f"Simulation : {len(candidates)} fiche(s) seraient anonymisées ({detail}). Rien n'a été modifié."
            )
        else:
            self.stdout.write(f"{done} fiche(s) anonymisée(s) ({detail}).")
        if failed:
            numbers = ", ".join(str(pk) for pk in failed)
            raise CommandError(
                f"{len(failed)} fiche(s) n'ont pas pu être anonymisées (n° {numbers}) : elles sont restées "
                "intactes, la prochaine exécution réessaiera."
            )
