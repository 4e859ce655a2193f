from django.core.management.base import BaseCommand

from tremplin.api.webhooks import deliver_pending
from tremplin.referrals.tick import referrals_tick


class Command(BaseCommand):
    help = (
        "Relances, signalements au centre régional et expiration des orientations sans réponse du Cnam, "
        "récapitulatifs quotidiens, nouvel essai des courriels en échec, envoi des webhooks des changements "
        "de statut. À lancer par cron (toutes les 5 minutes, par exemple) ; relancer ne renvoie rien deux fois."
    )

    def handle(self, *args, **options):
        report = referrals_tick()
        for line in report.lines():
            self.stdout.write(line)
        # After the tick, so that the expiries it has just written are delivered in the same run.
        for line in deliver_pending().lines():
            self.stdout.write(line)
