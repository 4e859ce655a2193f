"""Public resources of the offer: Cnam sites, trainings and sessions, with the catalogue's filters;
and the update of a session by its Cnam site.

The filters apply to sessions, all to the same session: "trainings near Rodez with open registration"
are the trainings that have one session both near Rodez and open. Distances are computed in SQL
(haversine through Django's math functions, portable to SQLite and PostgreSQL) inside a bounding
box, so that cursor pagination walks a plain queryset.
"""

import math

from django.db import transaction
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from tremplin.api.clients import acting
from tremplin.api.etags import IF_MATCH_PARAMETER, check_if_match, etag_of
from tremplin.api.fields import IdField, OptionalEmailField
from tremplin.api.permissions import Authenticated, Public
from tremplin.catalog.enums import QualificationLevel, RegistrationState, ScheduleType, TeachingMode
from tremplin.catalog.models import Training, TrainingSession
from tremplin.catalog.search import EARTH_RADIUS_KM
from tremplin.catalog.services import EDITABLE_SESSION_FIELDS, session_update
from tremplin.catalog.text import fold
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite
from tremplin.territories.models import Commune

MAX_RADIUS_KM = 200
DEFAULT_RADIUS_KM = 30
MAX_WORDS = 8
LEVELS_HELP = "Niveaux (nomenclature 2019) : " + " ; ".join(
    f"{value} = {label}" for value, label in QualificationLevel.choices
)


def space_separated(text: str) -> list[str]:
    return text.split()


class CodeList(serializers.ListField):
    """A model's space-separated codes, as a JSON list."""

    child = serializers.CharField()

    def to_representation(self, value):
        return space_separated(value or "")


class CommuneRef(serializers.Serializer):
    insee_code = serializers.CharField(help_text="Code INSEE de la commune.")
    name = serializers.CharField(help_text="Nom de la commune.")


class OrganisationRef(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifiant dans Tremplin.")
    code = serializers.CharField(help_text="Code de l'organisation.")
    name = serializers.CharField(help_text="Nom.")


# ---------------------------------------------------------------------------------------------------
# Filters


class SiteFilters(serializers.Serializer):
    region = serializers.CharField(required=False, help_text="Code INSEE de la région, ex. `76` (Occitanie).")
    department = serializers.CharField(
        required=False, help_text="Code du département, ex. `12`, `2A`, `974`."
    )
    kind = serializers.ChoiceField(
        choices=CnamSiteKind.choices, required=False, help_text="`regional_centre` ou `site`."
    )


class OfferFilters(serializers.Serializer):
    """The catalogue's filters, for sessions and trainings."""

    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Mots de l'intitulé, des objectifs, des codes RNCP ou ROME (sans accents ni majuscules requis).",
    )
    commune = serializers.CharField(
        required=False,
        max_length=5,
        help_text="Code INSEE d'une commune : seules les sessions données à moins de `radius` km, et celles "
        "à distance, sont retenues ; chaque session porte alors sa `distance_km`.",
    )
    radius = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        default=DEFAULT_RADIUS_KM,
        help_text=f"Rayon autour de `commune`, en km (défaut {DEFAULT_RADIUS_KM}, au plus {MAX_RADIUS_KM}).",
    )
    level = serializers.ChoiceField(
        choices=QualificationLevel.choices,
        required=False,
        help_text="Niveau visé par la formation (niveau de sortie, sinon celui de la certification). "
        + LEVELS_HELP,
    )
    rome = serializers.RegexField(
        r"^[A-Na-n](\d{2}(\d{2})?)?$",
        required=False,
        help_text="Code ROME : une fiche (`M1805`), un domaine (`M18`) ou un grand domaine (`M`).",
        error_messages={
            "invalid": "Code ROME mal formé : une lettre de A à N, puis 0, 2 ou 4 chiffres (ex. M1805)."
        },
    )
    mode = serializers.ChoiceField(
        choices=TeachingMode.choices,
        required=False,
        help_text="Modalité : `on_site` (présentiel), `blended` (mixte), `distance` (à distance).",
    )
    start_after = serializers.DateField(
        required=False, help_text="Sessions commençant ce jour ou après (les entrées permanentes restent)."
    )
    start_before = serializers.DateField(
        required=False, help_text="Sessions commençant ce jour ou avant (les entrées permanentes restent)."
    )
    registration_state = serializers.ChoiceField(
        choices=RegistrationState.choices,
        required=False,
        help_text="État des inscriptions : `open`, `closed` ou `suspended`.",
    )
    site = IdField(required=False, help_text="Identifiant d'un centre Cnam.")
    include_ended = serializers.BooleanField(
        required=False, default=False, help_text="Inclure les sessions terminées (défaut : non)."
    )
    updated_since = serializers.DateTimeField(
        required=False, help_text="Modifiées depuis cet instant (ISO 8601), pour une synchronisation."
    )

    def validate_commune(self, value):
        commune = Commune.objects.filter(pk=value.strip()).only("latitude", "longitude", "name").first()
        if commune is None:
            raise serializers.ValidationError(
                f"Commune « {value} » inconnue : indiquez son code INSEE (ex. 12202)."
            )
        if commune.latitude is None or commune.longitude is None:
            raise serializers.ValidationError(f"La commune {commune.name} n'a pas de coordonnées.")
        return commune

    def validate(self, data):
        if (
            data.get("start_after")
            and data.get("start_before")
            and data["start_before"] < data["start_after"]
        ):
            raise serializers.ValidationError({"start_before": "« start_before » précède « start_after »."})
        return data


# Where a session is given, as the matching reads it: the action's own point, else its commune's,
# else its Cnam site's commune.
PLACE_LATITUDE = Coalesce(
    "action__latitude", "action__commune__latitude", "action__cnam_site__commune__latitude"
)
PLACE_LONGITUDE = Coalesce(
    "action__longitude", "action__commune__longitude", "action__cnam_site__commune__longitude"
)


def _haversine(latitude: float, longitude: float):
    """The great-circle distance (km) from a point to the session's place, as an SQL expression."""
    phi0, lambda0 = math.radians(latitude), math.radians(longitude)
    phi, lam = Radians(F("place_latitude")), Radians(F("place_longitude"))
    half = Power(Sin((phi - Value(phi0)) / 2), 2) + Value(math.cos(phi0)) * Cos(phi) * Power(
        Sin((lam - Value(lambda0)) / 2), 2
    )
    # Rounding can push ``half`` a hair above 1 for antipodes: asin would fail.
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(half, Value(1.0))))


def filter_sessions(filters: dict, sessions: QuerySet | None = None) -> QuerySet:
    """The Cnam's sessions satisfying ``filters`` (validated OfferFilters data)."""
    sessions = TrainingSession.objects.all() if sessions is None else sessions
    sessions = sessions.filter(action__training__provider__is_cnam=True)
    if not filters.get("include_ended"):
        sessions = sessions.not_ended(timezone.localdate())
    if filters.get("registration_state"):
        sessions = sessions.filter(registration_state=filters["registration_state"])
    if filters.get("mode"):
        sessions = sessions.filter(action__teaching_mode=filters["mode"])
    if filters.get("start_after"):
        sessions = sessions.filter(Q(start_date__gte=filters["start_after"]) | Q(permanent_entry=True))
    if filters.get("start_before"):
        sessions = sessions.filter(Q(start_date__lte=filters["start_before"]) | Q(permanent_entry=True))
    if filters.get("site"):
        sessions = sessions.filter(action__cnam_site_id=filters["site"])
    if filters.get("updated_since"):
        sessions = sessions.filter(updated_at__gte=filters["updated_since"])
    for word in fold(filters.get("q", "")).split()[:MAX_WORDS]:
        sessions = sessions.filter(action__training__search_text__contains=word)
    if filters.get("level"):
        level = filters["level"]
        sessions = sessions.filter(
            Q(action__training__exit_level=level)
            | Q(action__training__exit_level__isnull=True, action__training__certification__level=level)
        )
    if filters.get("rome"):
        code = filters["rome"].upper()
        sessions = sessions.filter(
            Q(action__training__rome_codes__startswith=code)
            | Q(action__training__rome_codes__contains=f" {code}")
        )
    commune = filters.get("commune")
    if commune is not None:
        radius = filters.get("radius", DEFAULT_RADIUS_KM)
        lat, lon = commune.latitude, commune.longitude
        degrees_lat = radius / 111.0
        degrees_lon = radius / (111.0 * max(math.cos(math.radians(lat)), 0.01))
        box = Q(
            place_latitude__range=(lat - degrees_lat, lat + degrees_lat),
            place_longitude__range=(lon - degrees_lon, lon + degrees_lon),
        )
        sessions = sessions.annotate(place_latitude=PLACE_LATITUDE, place_longitude=PLACE_LONGITUDE)
        sessions = sessions.annotate(distance_km=_haversine(lat, lon)).filter(
            (box & Q(distance_km__lte=radius)) | Q(action__teaching_mode=TeachingMode.DISTANCE)
        )
    else:
        sessions = sessions.annotate(distance_km=Value(None, output_field=FloatField()))
    return sessions


def filter_trainings(filters: dict) -> QuerySet:
    """The Cnam's trainings having at least one session that satisfies every filter."""
    sessions = filter_sessions(filters).filter(action__training=OuterRef("pk"))
    return Training.objects.cnam().filter(Exists(sessions))


# ---------------------------------------------------------------------------------------------------
# Serializers


class SiteSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        source="site_kind",
        choices=CnamSiteKind.choices,
        help_text="`regional_centre` : centre régional ; `site` : centre d'enseignement.",
    )
    regional_centre = OrganisationRef(
        source="parent",
        allow_null=True,
        read_only=True,
        help_text="Centre régional de rattachement (null pour un centre régional).",
    )
    commune = CommuneRef(read_only=True, help_text="Commune du centre.")
    email = OptionalEmailField(read_only=True, help_text="Courriel de contact.")
    latitude = serializers.FloatField(
        source="commune.latitude", allow_null=True, help_text="Latitude (WGS 84)."
    )
    longitude = serializers.FloatField(
        source="commune.longitude", allow_null=True, help_text="Longitude (WGS 84)."
    )

    class Meta:
        model = CnamSite
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "regional_centre",
            "commune",
            "address",
            "latitude",
            "longitude",
            "au_coeur_des_territoires",
            "email",
            "phone",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifiant du centre dans Tremplin."},
            "code": {"help_text": "Code du centre (unique parmi toutes les organisations)."},
            "name": {"help_text": "Nom du centre."},
            "address": {"help_text": "Adresse postale."},
            "au_coeur_des_territoires": {"help_text": "Centre du programme « Au cœur des territoires »."},
            "phone": {"help_text": "Téléphone de contact."},
        }


class CertificationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code RNCP ou RS, ex. `RNCP35521`.")
    title = serializers.CharField(help_text="Intitulé de la certification.")
    level = serializers.IntegerField(allow_null=True, help_text="Niveau de la certification. " + LEVELS_HELP)


class TrainingSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name", help_text="Organisme de formation.")
    certification = CertificationSerializer(
        allow_null=True, read_only=True, help_text="Certification préparée, si elle est connue de Tremplin."
    )
    certification_codes = CodeList(help_text="Codes RNCP/RS cités par la formation.")
    rome_codes = CodeList(help_text="Codes ROME des métiers visés.")
    formacode_codes = CodeList(help_text="Formacodes.")
    nsf_codes = CodeList(help_text="Codes NSF.")
    target_level = serializers.IntegerField(
        allow_null=True, help_text="Niveau visé : niveau de sortie, sinon celui de la certification."
    )
    sessions = serializers.SerializerMethodField(
        help_text="Adresse de la liste des sessions de la formation."
    )

    class Meta:
        model = Training
        fields = [
            "id",
            "title",
            "provider",
            "objectives",
            "certification",
            "certification_codes",
            "rome_codes",
            "formacode_codes",
            "nsf_codes",
            "entry_level",
            "entry_level_required",
            "min_age_without_level",
            "target_level",
            "prerequisites",
            "url",
            "updated_at",
            "sessions",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la formation dans Tremplin."},
            "title": {"help_text": "Intitulé."},
            "objectives": {"help_text": "Objectifs (texte)."},
            "entry_level": {"help_text": "Niveau d'entrée ; null : aucun. " + LEVELS_HELP},
            "entry_level_required": {"help_text": "Le niveau d'entrée est exigé."},
            "min_age_without_level": {
                "help_text": "Âge minimal pour entrer sans le niveau exigé (validation des acquis, VAPP) ; null : pas de telle voie."
            },
            "prerequisites": {"help_text": "Prérequis et conditions d'accès."},
            "url": {"help_text": "Page web de la formation."},
            "updated_at": {"help_text": "Dernière mise à jour."},
        }

    def get_sessions(self, training) -> str:
        request = self.context.get("request")
        path = f"/api/v1/sessions/?training={training.pk}"
        return request.build_absolute_uri(path) if request else path


class TrainingRef(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifiant de la formation.")
    title = serializers.CharField(help_text="Intitulé.")


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField(source="place_name", help_text="Nom du lieu.")
    address = serializers.CharField(help_text="Adresse.")
    postal_code = serializers.CharField(help_text="Code postal.")
    city = serializers.CharField(help_text="Ville.")
    commune_insee = serializers.SerializerMethodField(
        help_text="Code INSEE de la commune (sinon, celle du centre)."
    )
    latitude = serializers.SerializerMethodField(
        help_text="Latitude du lieu (sinon de sa commune, ou du centre)."
    )
    longitude = serializers.SerializerMethodField(
        help_text="Longitude du lieu (sinon de sa commune, ou du centre)."
    )

    def _point(self, action) -> tuple[float | None, float | None]:
        if action.latitude is not None and action.longitude is not None:
            return action.latitude, action.longitude
        for commune in (action.commune, action.cnam_site.commune if action.cnam_site else None):
            if commune is not None and commune.latitude is not None:
                return commune.latitude, commune.longitude
        return None, None

    def get_commune_insee(self, action) -> str | None:
        if action.commune_id:
            return action.commune_id
        return action.cnam_site.commune_id if action.cnam_site else None

    def get_latitude(self, action) -> float | None:
        return self._point(action)[0]

    def get_longitude(self, action) -> float | None:
        return self._point(action)[1]


class SessionSerializer(serializers.ModelSerializer):
    training = TrainingRef(source="action.training", read_only=True, help_text="La formation.")
    site = OrganisationRef(
        source="action.cnam_site", allow_null=True, read_only=True, help_text="Le centre Cnam qui la donne."
    )
    teaching_mode = serializers.ChoiceField(
        source="action.teaching_mode",
        choices=TeachingMode.choices,
        read_only=True,
        help_text="`on_site` (présentiel), `blended` (mixte) ou `distance` (à distance).",
    )
    schedule = serializers.ChoiceField(
        source="action.schedule",
        choices=ScheduleType.choices,
        read_only=True,
        help_text="`day` (en journée), `evening` (en soirée), `weekend`, `mixed`.",
    )
    place = PlaceSerializer(source="action", read_only=True, help_text="Lieu de la formation.")
    hours_total = serializers.IntegerField(
        source="action.hours_total", allow_null=True, read_only=True, help_text="Nombre d'heures."
    )
    distance_km = serializers.SerializerMethodField(
        help_text="Distance (km) depuis la commune du filtre `commune` ; null sans ce filtre ou sans coordonnées."
    )
    receives_referrals = serializers.SerializerMethodField(
        help_text="La session peut recevoir une orientation maintenant (ouverte, non commencée ou à entrée permanente, "
        "rattachée à un centre Cnam)."
    )

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "training",
            "site",
            "teaching_mode",
            "schedule",
            "place",
            "hours_total",
            "start_date",
            "end_date",
            "permanent_entry",
            "registration_state",
            "places_available",
            "receives_referrals",
            "distance_km",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la session dans Tremplin."},
            "start_date": {"help_text": "Date de début ; null : à préciser."},
            "end_date": {"help_text": "Date de fin ; null : à préciser."},
            "permanent_entry": {"help_text": "Entrées et sorties permanentes."},
            "registration_state": {"help_text": "État des inscriptions : `open`, `closed` ou `suspended`."},
            "places_available": {"help_text": "Places disponibles ; null : inconnu."},
            "updated_at": {"help_text": "Dernière mise à jour."},
        }

    def get_distance_km(self, session) -> float | None:
        distance = getattr(session, "distance_km", None)
        return None if distance is None else round(distance, 1)

    def get_receives_referrals(self, session) -> bool:
        today = timezone.localdate()
        return (
            session.action.cnam_site_id is not None
            and session.registration_state == RegistrationState.OPEN
            and (session.end_date is None or session.end_date >= today)
            and (session.permanent_entry or session.start_date is None or session.start_date >= today)
        )


class SessionUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingSession
        fields = list(EDITABLE_SESSION_FIELDS)
        extra_kwargs = {
            "start_date": {"help_text": "Date de début ; null : à préciser."},
            "end_date": {"help_text": "Date de fin ; null : à préciser."},
            "permanent_entry": {"help_text": "Entrées et sorties permanentes."},
            "registration_state": {"help_text": "État des inscriptions : `open`, `closed` ou `suspended`."},
            "places_available": {
                "help_text": "Places disponibles ; null : inconnu.",
                "min_value": 0,
                "max_value": 9999,
            },
        }

    def validate(self, data):
        start = data.get("start_date", self.instance.start_date)
        end = data.get("end_date", self.instance.end_date)
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": "La date de fin doit être postérieure à la date de début."}
            )
        return data


SESSION_UPDATE_EXAMPLE = OpenApiExample(
    "Fermer les inscriptions",
    value={"registration_state": "closed", "places_available": 0},
    request_only=True,
)


# ---------------------------------------------------------------------------------------------------
# Views


def _filters(request, serializer_class) -> dict:
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


@extend_schema(
    tags=["Offre"],
    summary="Centres du Cnam",
    description="Les centres régionaux et centres d'enseignement du Cnam. Public.",
    parameters=[SiteFilters],
)
class SiteList(generics.ListAPIView):
    permission_classes = [Public]
    serializer_class = SiteSerializer

    def get_queryset(self):
        filters = _filters(self.request, SiteFilters)
        sites = CnamSite.objects.select_related("commune", "parent")
        if filters.get("region"):
            sites = sites.filter(commune__department__region_id=filters["region"])
        if filters.get("department"):
            sites = sites.filter(commune__department_id=filters["department"])
        if filters.get("kind"):
            sites = sites.filter(site_kind=filters["kind"])
        return sites


@extend_schema(tags=["Offre"], summary="Un centre du Cnam", description="Un centre du Cnam. Public.")
class SiteDetail(generics.RetrieveAPIView):
    permission_classes = [Public]
    serializer_class = SiteSerializer
    queryset = CnamSite.objects.select_related("commune", "parent")


@extend_schema(
    tags=["Offre"],
    summary="Formations du Cnam",
    description=(
        "Les formations du Cnam ayant au moins une session qui satisfait tous les filtres (les mêmes que "
        "ceux des sessions). Public. Exemple : `?commune=12202&radius=40&rome=M18&registration_state=open`."
    ),
    parameters=[OfferFilters],
)
class TrainingList(generics.ListAPIView):
    permission_classes = [Public]
    serializer_class = TrainingSerializer

    def get_queryset(self):
        return filter_trainings(_filters(self.request, OfferFilters)).select_related(
            "provider", "certification"
        )


@extend_schema(tags=["Offre"], summary="Une formation", description="Une formation du Cnam. Public.")
class TrainingDetail(generics.RetrieveAPIView):
    permission_classes = [Public]
    serializer_class = TrainingSerializer
    queryset = Training.objects.cnam().select_related("provider", "certification")


class SessionListFilters(OfferFilters):
    training = IdField(required=False, help_text="Identifiant d'une formation.")


_SESSION_RELATED = ("action__training", "action__commune", "action__cnam_site__commune")


@extend_schema(
    tags=["Offre"],
    summary="Sessions du Cnam",
    description=(
        "Les sessions des formations du Cnam, non terminées sauf `include_ended=true`. Public. Avec "
        "`commune`, chaque session porte sa distance ; les sessions à distance restent dans la liste "
        "(filtrez `mode` pour les écarter). Exemple : `?commune=12202&radius=40&mode=on_site&start_after=2025-09-01`."
    ),
    parameters=[SessionListFilters],
)
class SessionList(generics.ListAPIView):
    permission_classes = [Public]
    serializer_class = SessionSerializer

    def get_queryset(self):
        filters = _filters(self.request, SessionListFilters)
        sessions = filter_sessions(filters).select_related(*_SESSION_RELATED)
        if filters.get("training"):
            sessions = sessions.filter(action__training_id=filters["training"])
        return sessions


class SessionDetail(generics.RetrieveUpdateAPIView):
    """GET is public; PATCH is for the Cnam site that gives the session (or its regional centre)."""

    serializer_class = SessionSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        return [Public()] if self.request.method in ("GET", "HEAD", "OPTIONS") else [Authenticated()]

    def get_queryset(self):
        sessions = TrainingSession.objects.filter(action__training__provider__is_cnam=True)
        if self.request.method == "PATCH":
            _, membership = acting(self.request)
            sessions = sessions.editable_by(membership)
        return sessions.select_related(*_SESSION_RELATED)

    @extend_schema(
        tags=["Offre"],
        summary="Une session",
        description="Une session. Public. La réponse porte un en-tête `ETag` à renvoyer dans `If-Match` pour la modifier.",
    )
    def get(self, request, *args, **kwargs):
        session = self.get_object()
        response = Response(self.get_serializer(session).data)
        response["ETag"] = etag_of(session)
        return response

    @extend_schema(
        tags=["Offre"],
        summary="Mettre à jour une session",
        description=(
            "Pour le centre Cnam qui donne la session, et son centre régional (jeton avec écriture). "
            "Champs modifiables : `start_date`, `end_date`, `permanent_entry`, `registration_state`, "
            "`places_available` ; les autres sont ignorés. Chaque changement entre dans l'historique de la "
            "session. Envoyez l'`ETag` lu dans `If-Match` : si la session a changé entre-temps, la réponse est 412."
        ),
        request=SessionUpdateSerializer,
        responses={200: SessionSerializer},
        parameters=[IF_MATCH_PARAMETER],
        examples=[SESSION_UPDATE_EXAMPLE],
    )
    def patch(self, request, *args, **kwargs):
        user, _ = acting(request)
        with transaction.atomic():
            session = get_object_or_404(self.get_queryset().select_for_update(of=("self",)), pk=kwargs["pk"])
            check_if_match(request, session)
            serializer = SessionUpdateSerializer(session, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            session_update(session=session, user=user, **serializer.validated_data)
        session = self.get_queryset().get(pk=session.pk)
        response = Response(self.get_serializer(session).data)
        response["ETag"] = etag_of(session)
        return response
