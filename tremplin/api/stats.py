"""``/api/v1/stats/``: the dashboards' tables as JSON, for the same people and scopes as the
dashboards (tremplin.stats.scopes: steering, ML managers, Cnam regional administrators), computed by
the same functions. What an API returns is an export: as in every export, counts from 1 to 4 are
masked, whoever asks (``"< 5"``, and what would give them back, see tremplin.stats.masking)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tremplin.api.clients import acting
from tremplin.api.permissions import Authenticated
from tremplin.stats import indicators
from tremplin.stats.figures import figures_for
from tremplin.stats.masking import SMALL_COUNT_THRESHOLD, Masked
from tremplin.stats.periods import Period, parse_month
from tremplin.stats.scopes import access_for, scope_from_key
from tremplin.stats.tables import Table

DEFAULT_MONTHS = 12


class StatsReaders(Authenticated):
    message = (
        "Les statistiques sont réservées au pilotage, aux missions locales (responsables) et aux centres "
        "régionaux du Cnam."
    )

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        _, membership = acting(request)
        return access_for(membership) is not None


class StatsQuery(serializers.Serializer):
    scope = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Périmètre : `france`, `region:76`, `department:12`, `mission_locale:ID`, `centre:ID` (un centre "
        "régional et ses centres) ou `site:ID`. Défaut : celui de votre organisation. Le pilotage choisit "
        "librement ; une mission locale n'a que le sien ; un centre régional, lui-même et ses centres.",
    )
    start = serializers.CharField(
        required=False, max_length=7, help_text="Premier mois, `AAAA-MM` (défaut : il y a 11 mois)."
    )
    end = serializers.CharField(
        required=False, max_length=7, help_text="Dernier mois inclus, `AAAA-MM` (défaut : ce mois-ci)."
    )

    def _month(self, value):
        try:
            return parse_month(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate_start(self, value):
        return self._month(value)

    def validate_end(self, value):
        return self._month(value)

    def validate(self, data):
        default = Period.last_months(DEFAULT_MONTHS)
        start = data.get("start") or default.start
        end = data.get("end") or max(start, default.end)
        try:
            data["period"] = Period(start, end)
        except ValueError as error:
            raise serializers.ValidationError({"end": str(error)}) from None
        return data


@extend_schema_field(
    {
        "type": "array",
        "items": {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True},
        "description": "Les valeurs, dans l'ordre des colonnes : texte, nombre, taux (fraction de 0 à 1), durée "
        "en jours ; null : sans objet (un taux sur rien) ; « < 5 » : masqué.",
    }
)
class RowField(serializers.ListField):
    pass


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Identifiant de la colonne.")
    label = serializers.CharField(help_text="Intitulé.")
    kind = serializers.ChoiceField(
        choices=[
            ("text", "texte"),
            ("code", "identifiant"),
            ("count", "effectif"),
            ("rate", "taux"),
            ("days", "jours"),
            ("decimal", "nombre décimal"),
        ],
        help_text="`text`, `code` (identifiant), `count`, `rate` (fraction de 0 à 1), `days`, `decimal`.",
    )


class TableSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Identifiant du tableau, ex. `entonnoir`, `statuts`, `mois`.")
    title = serializers.CharField(help_text="Titre.")
    note = serializers.CharField(help_text="Note de lecture.")
    columns = ColumnSerializer(many=True, help_text="Les colonnes.")
    rows = serializers.ListField(child=RowField(), help_text="Les lignes.")


class StatsSerializer(serializers.Serializer):
    scope = serializers.DictField(help_text="Le périmètre : `key` et `label`.")
    start = serializers.CharField(help_text="Premier mois, `AAAA-MM`.")
    end = serializers.CharField(help_text="Dernier mois, `AAAA-MM`.")
    masked_below = serializers.IntegerField(help_text="Les effectifs de 1 à ce seuil moins un sont masqués.")
    tables = TableSerializer(many=True, help_text="Les tableaux du tableau de bord.")


def _value(value):
    return str(value) if isinstance(value, Masked) else value


def table_body(table: Table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [[_value(v) for v in row] for row in table.rows],
    }


class Stats(APIView):
    permission_classes = [StatsReaders]

    @extend_schema(
        tags=["Statistiques"],
        summary="Les tableaux du tableau de bord",
        description=(
            "Les chiffres des orientations envoyées dans la période (une cohorte : leurs étapes suivantes sont "
            "comptées avec elles), pour un périmètre : les tableaux du tableau de bord de Tremplin (entonnoir, "
            "mois, statuts, délais, motifs, publics, territoires, formations), calculés de la même façon. Aucun "
            "chiffre ne désigne une personne : les effectifs de 1 à 4 sont masqués (« < 5 »), ainsi que ce qui "
            "permettrait de les retrouver. Réservé au pilotage, aux missions locales et aux centres régionaux du Cnam."
        ),
        parameters=[StatsQuery],
        responses={200: StatsSerializer},
        examples=[
            OpenApiExample(
                "Statuts d'une mission locale",
                response_only=True,
                value={
                    "scope": {"key": "mission_locale:17", "label": "Mission locale du Grand Rodez"},
                    "start": "2024-10",
                    "end": "2025-09",
                    "masked_below": 5,
                    "tables": [
                        {
                            "key": "statuts",
                            "title": "Orientations par statut actuel",
                            "note": "",
                            "columns": [
                                {"key": "status", "label": "Statut", "kind": "text"},
                                {"key": "count", "label": "Orientations", "kind": "count"},
                            ],
                            "rows": [["Entrée en formation", 21], ["Refusée", "< 5"]],
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        _, membership = acting(request)
        access = access_for(membership)
        key = query.validated_data.get("scope") or access.default.key
        scope = access.default if key == access.default.key else scope_from_key(key)
        if scope is None:
            raise exceptions.ValidationError({"scope": f"Périmètre « {key} » inconnu."})
        if not access.allows(scope):
            raise Http404("Périmètre hors de votre organisation.")
        period = query.validated_data["period"]
        tables = indicators.all_tables(figures_for(scope, period), mask=True)
        return Response(
            {
                "scope": {"key": scope.key, "label": scope.label},
                "start": f"{period.start:%Y-%m}",
                "end": f"{period.end:%Y-%m}",
                "masked_below": SMALL_COUNT_THRESHOLD,
                "tables": [table_body(table) for table in tables.values()],
            }
        )
