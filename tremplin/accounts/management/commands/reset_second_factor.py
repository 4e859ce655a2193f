"""``python manage.py reset_second_factor EMAIL``: remove a person's authentication app (lost phone)."""

from django.core.management.base import BaseCommand, CommandError

from tremplin.accounts import second_factor
from tremplin.accounts.models import User


class Command(BaseCommand):
    help = (
        "Réinitialise la double authentification d'un compte (téléphone perdu ou changé) : à sa prochaine "
        "connexion, la personne configure une nouvelle application si son rôle l'impose, ou se connecte "
        "avec son seul mot de passe sinon."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse électronique du compte")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'adresse « {email} ».")
        if not second_factor.devices_remove(user=user):
            self.stdout.write(f"{user.email} n'avait pas de double authentification : rien à faire.")
            return
        required = second_factor.is_required(user)
        self.stdout.write(
            f"Double authentification réinitialisée pour {user.email}. "
            + (
                "Son rôle l'impose : une nouvelle application lui sera demandée à sa prochaine connexion."
                if required
                else "Elle se connecte désormais avec son seul mot de passe."
            )
        )
