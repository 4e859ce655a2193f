"""``python manage.py create_user --email EMAIL --organisation CODE --role ROLE [--password PW]
[--first-name NAME] [--last-name NAME] [--staff | --no-staff]``: create or update a user and their membership."""

import argparse

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tremplin.accounts import services as accounts_services
from tremplin.accounts.enums import Role


class Command(BaseCommand):
    help = (
        "Crée ou met à jour un compte et son appartenance à une organisation (désignée par son code). "
        "Sans --password, le compte n'a pas de mot de passe utilisable : la personne le choisit avec "
        "« mot de passe oublié »."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse électronique (identifiant de connexion)")
        parser.add_argument(
            "--organisation", required=True, help="code de l'organisation (ex. 12202S00, ETAT)"
        )
        parser.add_argument(
            "--role", required=True, help="rôle : " + ", ".join(f"{r.value} ({r.label})" for r in Role)
        )
        parser.add_argument("--password", help="mot de passe (vérifié par les règles de sécurité)")
        parser.add_argument("--first-name", help="prénom")
        parser.add_argument("--last-name", help="nom")
        parser.add_argument(
            "--staff",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="accès à l'administration Django (--no-staff pour le retirer)",
        )

    def handle(self, *args, email, organisation, role, password, first_name, last_name, staff, **options):
        try:
            result = accounts_services.user_create_or_update(
                email=email,
                organisation_code=organisation,
                role=role,
                password=password,
                first_name=first_name,
                last_name=last_name,
                is_staff=staff,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user, membership = result.user, result.membership
        self.stdout.write(f"Compte {'créé' if result.user_created else 'mis à jour'} : {user.email}.")
        self.stdout.write(
            f"{membership.get_role_display()} — {membership.organisation.name} ({membership.organisation.code})"
            f"{' : appartenance créée' if result.membership_created else ''}."
        )
        if not result.has_usable_password:
            self.stdout.write(
                "Pas de mot de passe : la personne le choisit depuis la page de connexion, "
                "lien « Mot de passe oublié »."
            )
