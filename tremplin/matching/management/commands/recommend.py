"""Print the ranking of Cnam sessions for an ad-hoc profile (for scripts and support)."""

import json
import re

from django.core.management.base import BaseCommand, CommandError

from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import RomeFiche
from tremplin.matching.ranking import Profile
from tremplin.matching.services import recommend
from tremplin.territories.models import Commune

ROME_CODE = re.compile(r"^[A-N]\d{4}$")


def parse_level(value: str) -> int:
    text = value.strip().lower().replace(" ", "").replace("-", "")
    if text in ("infra3", "infra"):
        return QualificationLevel.INFRA_3
    if text.isdigit() and int(text) in QualificationLevel.values and int(text) >= 3:
        return int(text)
    raise CommandError(f"Niveau « {value} » inconnu : indiquez 3 à 8, ou infra3.")


class Command(BaseCommand):
    help = "Classe les sessions du Cnam pour un profil donné (sans enregistrer de jeune)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="code INSEE de la commune de résidence")
        parser.add_argument("--level", default="infra3", help="niveau de diplôme : 3 à 8, ou infra3")
        parser.add_argument("--bac", action="store_true", help="le baccalauréat est obtenu")
        parser.add_argument(
            "--rome", nargs="*", default=[], help="codes ROME des centres d'intérêt (ex. M1805)"
        )
        parser.add_argument("--text", default="", help="centres d'intérêt en texte libre")
        parser.add_argument("--radius", type=float, default=30.0, help="distance maximale en km (défaut 30)")
        parser.add_argument(
            "--distance-learning", action="store_true", help="accepte la formation à distance"
        )
        parser.add_argument("--age", type=int, default=None, help="âge en années")
        parser.add_argument("--limit", type=int, default=10, help="nombre de sessions (défaut 10)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        commune = Commune.objects.filter(insee_code=options["commune"].strip()).first()
        if commune is None:
            raise CommandError(
                f"Commune « {options['commune']} » inconnue : indiquez son code INSEE (ex. 12202)."
            )
        if commune.latitude is None:
            raise CommandError(f"La commune {commune.name} n'a pas de coordonnées.")
        if options["radius"] < 0:
            raise CommandError("Le rayon (--radius) ne peut pas être négatif.")
        if options["limit"] < 1:
            raise CommandError("--limit doit être au moins 1.")
        if options["age"] is not None and not 0 < options["age"] < 120:
            raise CommandError(f"Âge « {options['age']} » impossible.")
        codes = [code.strip().upper() for code in options["rome"]]
        malformed = [code for code in codes if not ROME_CODE.match(code)]
        if malformed:
            raise CommandError(
                f"Code ROME mal formé : {', '.join(malformed)} (attendu : une lettre et 4 chiffres, ex. M1805)."
            )
        unknown = set(codes) - set(RomeFiche.objects.filter(code__in=codes).values_list("code", flat=True))
        if unknown:
            raise CommandError(f"Code ROME inconnu : {', '.join(sorted(unknown))}.")
        level = parse_level(options["level"])
        profile = Profile(
            latitude=commune.latitude,
            longitude=commune.longitude,
            level=level,
            has_bac=options["bac"] or level >= 5,
            rome_codes=tuple(codes),
            text=options["text"],
            radius_km=options["radius"],
            distance_learning=options["distance_learning"],
            age=options["age"],
        )
        ranking = recommend(profile, limit=options["limit"])
        if options["json"]:
            self.stdout.write(
                json.dumps([m.as_dict() for m in ranking.results], ensure_ascii=False, indent=2)
            )
            return
        self.stdout.write(f"{commune.name} — {ranking.summary}")
        for rank_number, match in enumerate(ranking.results, start=1):
            where = "à distance" if match.distance_km is None else f"{match.distance_km:.0f} km"
            self.stdout.write(
                f"{rank_number:>2}. [{match.score:5.1f}] {match.record.training_title} — {match.record.site_name} ({where})"
            )
            for reason in match.reasons:
                self.stdout.write(f"      · {reason.label}")
        if ranking.near_misses:
            self.stdout.write("Presque :")
            for match in ranking.near_misses[:5]:
                blockers = "; ".join(b.label for b in match.blockers)
                self.stdout.write(
                    f"    - {match.record.training_title} — {match.record.site_name} : {blockers}"
                )
