"""``python manage.py load_demo``: a working Tremplin to try out, with demo accounts for every role.

Runs every step of :data:`tremplin.demo.steps.DEMO_STEPS` in order, each in its own transaction (each
can run again safely),
then prints the demo accounts and their shared password.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from tremplin.demo import steps


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (communes, missions locales, réseau Cnam de démonstration, "
        "comptes de démonstration pour chaque rôle) et affiche les identifiants. Peut être relancée."
    )

    def handle(self, *args, **options):
        for dotted_path in steps.DEMO_STEPS:
            step = import_string(dotted_path)
            title = (step.__doc__ or dotted_path).strip().splitlines()[0]
            self.stdout.write(self.style.MIGRATE_HEADING(f"— {title}"))
            with transaction.atomic():  # a failing step keeps the earlier steps' data and none of its own
                step(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Comptes de démonstration"))
        for line in steps.credentials_table():
            self.stdout.write(line)
