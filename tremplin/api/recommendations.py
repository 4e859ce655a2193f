"""``POST /api/v1/recommendations/``: the ranking of Cnam sessions for a profile, as the ``recommend``
command prints it with ``--json`` (same defaults, same items: ``Match.as_dict()``)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import RomeFiche
from tremplin.matching.ranking import Profile, Ranking
from tremplin.matching.services import recommend
from tremplin.territories.models import Commune

MAX_INTERESTS = 10
MAX_LIMIT = 100


class ProfileSerializer(serializers.Serializer):
    commune = serializers.CharField(
        max_length=5, help_text="Code INSEE de la commune de résidence, ex. `12202`."
    )
    level = serializers.ChoiceField(
        choices=QualificationLevel.choices,
        default=QualificationLevel.INFRA_3,
        help_text="Niveau du diplôme le plus élevé : 2 = infra 3 (sans diplôme, défaut), 3 = CAP… 8 = doctorat.",
    )
    has_bac = serializers.BooleanField(
        default=False, help_text="Baccalauréat obtenu (vrai d'office à partir du niveau 5)."
    )
    rome_codes = serializers.ListField(
        child=serializers.RegexField(
            r"^[A-Na-n]\d{4}$",
            error_messages={"invalid": "Code ROME mal formé : une lettre et 4 chiffres (ex. M1805)."},
        ),
        default=list,
        max_length=MAX_INTERESTS,
        help_text=f"Centres d'intérêt : codes de fiches ROME (au plus {MAX_INTERESTS}).",
    )
    text = serializers.CharField(
        default="", allow_blank=True, max_length=500, help_text="Centres d'intérêt en texte libre."
    )
    radius_km = serializers.FloatField(
        default=30.0,
        min_value=0,
        max_value=1000,
        help_text="Distance maximale de déplacement, en km (défaut 30).",
    )
    distance_learning = serializers.BooleanField(default=False, help_text="Accepte la formation à distance.")
    age = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=119,
        help_text="Âge en années (règles d'âge, VAPP).",
    )
    preferred_start = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Début souhaité (les sessions proches de cette date passent devant).",
    )
    limit = serializers.IntegerField(
        default=10,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"Nombre de sessions (défaut 10, au plus {MAX_LIMIT}).",
    )

    def validate_commune(self, value):
        commune = Commune.objects.filter(pk=value.strip()).first()
        if commune is None:
            raise serializers.ValidationError(
                f"Commune « {value} » inconnue : indiquez son code INSEE (ex. 12202)."
            )
        if commune.latitude is None or commune.longitude is None:
            raise serializers.ValidationError(f"La commune {commune.name} n'a pas de coordonnées.")
        return commune

    def validate_rome_codes(self, value):
        codes = list(dict.fromkeys(code.upper() for code in value))
        known = set(RomeFiche.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(f"Code ROME inconnu : {', '.join(unknown)}.")
        return codes

    def profile(self) -> Profile:
        data = self.validated_data
        commune = data["commune"]
        return Profile(
            latitude=commune.latitude,
            longitude=commune.longitude,
            level=data["level"],
            # As the command: a bac+2 or more implies the bac.
            has_bac=data["has_bac"] or data["level"] >= QualificationLevel.LEVEL_5,
            rome_codes=tuple(data["rome_codes"]),
            text=data["text"],
            radius_km=data["radius_km"],
            distance_learning=data["distance_learning"],
            preferred_start=data.get("preferred_start"),
            age=data.get("age"),
        )


class MatchSerializer(serializers.Serializer):
    """Une session classée, avec ses raisons (ou, pour un « presque », ce qui l'écarte)."""

    # Documents Match.as_dict(): the views write that dict as it is.

    session_id = serializers.IntegerField(
        help_text="Identifiant de la session (voir /api/v1/sessions/{id}/)."
    )
    training_title = serializers.CharField(help_text="Intitulé de la formation.")
    site_name = serializers.CharField(help_text="Centre Cnam.")
    commune_insee = serializers.CharField(allow_null=True, help_text="Code INSEE du lieu de formation.")
    distance_km = serializers.FloatField(
        allow_null=True, help_text="Distance en km ; null pour une session à distance."
    )
    teaching_mode = serializers.CharField(help_text="`on_site`, `blended` ou `distance`.")
    start_date = serializers.DateField(
        allow_null=True, help_text="Début ; null : entrée permanente ou date à préciser."
    )
    score = serializers.FloatField(help_text="Score de 0 à 100 (plus haut : plus adapté).")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Raisons, en codes (ex. `rome_exact`)."
    )
    labels = serializers.ListField(
        child=serializers.CharField(),
        help_text="Raisons, en phrases (ex. « à 12 km »), dans l'ordre de `reasons`.",
    )
    blockers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Pour un « presque » : ce qui empêche (ex. `too_far`, `level_required`, `age`, `full`).",
    )
    blocker_labels = serializers.ListField(child=serializers.CharField(), help_text="Les mêmes, en phrases.")


class RankingSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="Résumé, ex. « 14 sessions à moins de 30 km, 6 à distance ».")
    near_count = serializers.IntegerField(help_text="Sessions accessibles données dans le rayon.")
    remote_count = serializers.IntegerField(help_text="Sessions accessibles à distance.")
    distance_first = serializers.BooleanField(
        help_text="Aucune session dans le rayon : la distance passe devant."
    )
    results = MatchSerializer(many=True, help_text="Les sessions, la plus adaptée d'abord.")
    near_misses = MatchSerializer(
        many=True, help_text="Presque : sessions écartées, avec ce qui les empêche."
    )


def ranking_body(ranking: Ranking) -> dict:
    return {
        "summary": ranking.summary,
        "near_count": ranking.near_count,
        "remote_count": ranking.remote_count,
        "distance_first": ranking.distance_first,
        "results": [match.as_dict() for match in ranking.results],
        "near_misses": [match.as_dict() for match in ranking.near_misses],
    }


RANKING_EXAMPLE = OpenApiExample(
    "Classement",
    response_only=True,
    value={
        "summary": "3 sessions à moins de 30 km, 1 à distance",
        "near_count": 3,
        "remote_count": 1,
        "distance_first": False,
        "results": [
            {
                "session_id": 412,
                "training_title": "Analyste programmeur",
                "site_name": "Cnam Rodez",
                "commune_insee": "12202",
                "distance_km": 2.1,
                "teaching_mode": "on_site",
                "start_date": "2025-10-06",
                "score": 87.5,
                "reasons": ["rome_exact", "distance", "starts_soon"],
                "labels": [
                    "correspond à l'intérêt « Études et développement informatique »",
                    "à 2 km du domicile",
                    "démarre dans 3 semaines",
                ],
                "blockers": [],
                "blocker_labels": [],
            }
        ],
        "near_misses": [],
    },
)


class Recommendations(APIView):
    # A computation: a read-only token may call it.
    writes = False

    @extend_schema(
        tags=["Orientation"],
        summary="Classer les sessions pour un profil",
        description=(
            "Le classement des sessions du Cnam pour un profil, sans enregistrer de jeune : le même que la "
            "commande `python manage.py recommend --json` pour les mêmes paramètres (mêmes valeurs par "
            "défaut). Chaque session porte ses raisons ; les « presque » disent ce qui les écarte. "
            "Pour un ou une jeune déjà inscrit·e, voyez `GET /api/v1/young-people/{id}/recommendations/`."
        ),
        request=ProfileSerializer,
        responses={200: RankingSerializer},
        examples=[
            OpenApiExample(
                "Profil",
                request_only=True,
                value={
                    "commune": "12202",
                    "level": 4,
                    "has_bac": True,
                    "rome_codes": ["M1805"],
                    "text": "informatique",
                    "radius_km": 30,
                    "distance_learning": True,
                    "age": 19,
                    "limit": 10,
                },
            ),
            RANKING_EXAMPLE,
        ],
    )
    def post(self, request):
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ranking = recommend(serializer.profile(), limit=serializer.validated_data["limit"])
        return Response(ranking_body(ranking))
