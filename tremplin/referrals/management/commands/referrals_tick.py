from django.core.management.base import BaseCommand

from tremplin.referrals.tick import referrals_tick


class Command(BaseCommand):
    help = (
        "Relances, signalements au centre régional et expiration des orientations sans réponse du Cnam, "
        "récapitulatifs quotidiens, nouvel essai des courriels en échec. À lancer par cron (toutes les "
        "heures, par exemple) ; relancer ne renvoie rien deux fois."
    )

    def handle(self, *args, **options):
        report = referrals_tick()
        for line in report.lines():
            self.stdout.write(line)
