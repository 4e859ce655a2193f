"""``/api/v1/stats/referrals/``: referral counts over a period, within the caller's scope.

What an API returns is an export: as in every export of Tremplin, counts from 1 to 4 are masked
(``null``), so that no figure points at a person. Zero is shown: it tells about nobody.
"""

import datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tremplin.accounts.enums import Role
from tremplin.api.clients import acting
from tremplin.api.permissions import _RolePermission
from tremplin.network.enums import SteeringScope
from tremplin.network.models import SteeringBody
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral

MASKED_BELOW = 5
MAX_PERIOD_DAYS = 3 * 366


def masked(count: int) -> int | None:
    return None if 0 < count < MASKED_BELOW else count


class StatsReaders(_RolePermission):
    roles = frozenset({Role.ML_MANAGER, Role.CNAM_REFERENT, Role.CNAM_REGIONAL, Role.STEERING})
    refusal = "Réservé aux responsables de mission locale, au Cnam et aux instances de pilotage."


def referrals_in_scope(membership):
    """The referrals whose figures the member may read: their own side's, or for steering those of
    the whole country or of their region (by the mission locale's region)."""
    if membership.role == Role.STEERING:
        body = SteeringBody.objects.filter(pk=membership.organisation_id).first()
        if body is None:
            return Referral.objects.none()
        if body.scope == SteeringScope.REGIONAL:
            return Referral.objects.filter(mission_locale__region_id=body.region_id)
        return Referral.objects.all()
    return Referral.objects.visible_to(membership)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="Premier jour (défaut : il y a un an).")
    end = serializers.DateField(required=False, help_text="Dernier jour inclus (défaut : aujourd'hui).")

    def validate(self, data):
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - datetime.timedelta(days=365)
        if end < start:
            raise serializers.ValidationError({"end": "La fin de la période précède son début."})
        if (end - start).days > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"start": "La période ne peut pas dépasser trois ans."})
        return {"start": start, "end": end}


class StatusCount(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, help_text="Statut actuel.")
    label = serializers.CharField(help_text="Le statut en français.")
    count = serializers.IntegerField(allow_null=True, help_text="Nombre ; null : de 1 à 4, masqué.")


class MonthCount(serializers.Serializer):
    month = serializers.CharField(help_text="Mois, `AAAA-MM`.")
    sent = serializers.IntegerField(
        allow_null=True, help_text="Orientations envoyées ; null : de 1 à 4, masqué."
    )


class ReferralStatsSerializer(serializers.Serializer):
    scope = serializers.CharField(
        help_text="Le périmètre des chiffres : votre organisation, ou le territoire."
    )
    start = serializers.DateField(help_text="Premier jour de la période.")
    end = serializers.DateField(help_text="Dernier jour de la période.")
    masked_below = serializers.IntegerField(
        help_text="Les nombres de 1 à ce seuil moins un sont masqués (null)."
    )
    sent = serializers.IntegerField(allow_null=True, help_text="Orientations envoyées dans la période.")
    young_people = serializers.IntegerField(allow_null=True, help_text="Jeunes orienté·es dans la période.")
    by_status = StatusCount(many=True, help_text="Orientations de la période, par statut actuel.")
    by_month = MonthCount(many=True, help_text="Orientations envoyées, par mois.")


class ReferralStats(APIView):
    permission_classes = [StatsReaders]

    @extend_schema(
        tags=["Statistiques"],
        summary="Chiffres des orientations",
        description=(
            "Les orientations envoyées dans la période (selon leur date d'envoi), dans votre périmètre : votre "
            "mission locale, vos centres Cnam, ou pour une instance de pilotage la France ou sa région. Aucun "
            "chiffre ne désigne une personne : les nombres de 1 à 4 sont masqués (null)."
        ),
        parameters=[PeriodSerializer],
        responses={200: ReferralStatsSerializer},
        examples=[
            OpenApiExample(
                "Chiffres",
                response_only=True,
                value={
                    "scope": "Mission locale du Rouergue",
                    "start": "2024-09-01",
                    "end": "2025-08-31",
                    "masked_below": 5,
                    "sent": 57,
                    "young_people": 49,
                    "by_status": [
                        {"status": "enrolled", "label": "Entrée en formation", "count": 21},
                        {"status": "refused", "label": "Refusée", "count": None},
                    ],
                    "by_month": [{"month": "2025-01", "sent": 8}, {"month": "2025-02", "sent": None}],
                },
            )
        ],
    )
    def get(self, request):
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = period.validated_data["start"], period.validated_data["end"]
        _, membership = acting(request)
        tz = timezone.get_current_timezone()
        since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
        until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        referrals = referrals_in_scope(membership).filter(sent_at__gte=since, sent_at__lt=until)
        totals = referrals.aggregate(sent=Count("pk"), young_people=Count("young_person", distinct=True))
        by_status = dict(referrals.order_by().values_list("status").annotate(count=Count("pk")))
        by_month = (
            referrals.annotate(month=TruncMonth("sent_at", tzinfo=tz))
            .order_by("month")
            .values_list("month")
            .annotate(count=Count("pk"))
        )
        return Response(
            {
                "scope": membership.organisation.name
                if membership.role != Role.STEERING
                else _steering_scope(membership),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "masked_below": MASKED_BELOW,
                "sent": masked(totals["sent"]),
                "young_people": masked(totals["young_people"]),
                "by_status": [
                    {"status": value, "label": label, "count": masked(by_status.get(value, 0))}
                    for value, label in ReferralStatus.choices
                ],
                "by_month": [{"month": f"{month:%Y-%m}", "sent": masked(count)} for month, count in by_month],
            }
        )


def _steering_scope(membership) -> str:
    body = SteeringBody.objects.select_related("region").filter(pk=membership.organisation_id).first()
    if body is not None and body.scope == SteeringScope.REGIONAL and body.region:
        return f"Région {body.region.name}"
    return "France"
