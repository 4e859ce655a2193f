"""Create an API token for an organisation (for operators); the token is printed once."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tremplin.api.enums import TokenScope
from tremplin.api.services import MAX_TOKEN_LIFETIME, api_token_create
from tremplin.network.models import Organisation


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API pour une organisation et l'affiche une seule fois "
        "(seule son empreinte est enregistrée)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="code de l'organisation (ex. 12345S00)")
        parser.add_argument(
            "--name", required=True, help="nom du jeton, pour le reconnaître (ex. « i-milo »)"
        )
        parser.add_argument(
            "--scopes",
            default="read",
            help="droits séparés par des virgules : read ou read,write (défaut read)",
        )
        parser.add_argument(
            "--expires-in-days", type=int, default=365, help="durée de validité en jours (défaut 365)"
        )

    def handle(self, *args, **options):
        code = options["organisation"].strip()
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(f"Aucune organisation n'a le code « {code} ».")
        name = options["name"].strip()
        if not name:
            raise CommandError("Le nom du jeton (--name) ne peut pas être vide.")
        if len(name) > 100:
            raise CommandError("Le nom du jeton (--name) ne peut pas dépasser 100 caractères.")
        scopes = {scope.strip() for scope in options["scopes"].split(",") if scope.strip()}
        unknown = scopes - set(TokenScope.values)
        if unknown or not scopes:
            raise CommandError(
                f"Droits inconnus dans --scopes : « {options['scopes']} » (attendu : read ou read,write)."
            )
        days = options["expires_in_days"]
        if not 1 <= days <= MAX_TOKEN_LIFETIME.days:
            raise CommandError(f"--expires-in-days doit être compris entre 1 et {MAX_TOKEN_LIFETIME.days}.")
        token, raw = api_token_create(
            organisation=organisation,
            name=name,
            can_write=TokenScope.WRITE in scopes,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        self.stderr.write(
            f"Jeton « {token.name} » créé pour {organisation.name} ({token.scopes_label}), valable jusqu'au "
            f"{timezone.localtime(token.expires_at):%d/%m/%Y}. Il ne sera plus affiché : copiez-le maintenant."
        )
        self.stdout.write(raw)
