"""``refresh_stats``: recount the pre-aggregated figures of France, the régions and the Cnam regional
centres (the dashboards of smaller scopes count live). Run it nightly, or more often: it takes about
a minute for a million referrals (bench/stats.py)."""

import time

from django.core.management.base import BaseCommand

from tremplin.stats.services import aggregates_refresh


class Command(BaseCommand):
    help = "Recalcule les agrégats des tableaux de bord (France, régions, centres régionaux du Cnam)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        refresh = aggregates_refresh()
        self.stdout.write(
            f"{refresh.referrals} orientations comptées, {refresh.cells} agrégats écrits "
            f"en {time.perf_counter() - started:.1f} s."
        )
