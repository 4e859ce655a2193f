"""``/api/v1/young-people/``: the records of the caller's mission locale (mission locale tokens and
members only). The rules are the registration form's (``YoungPersonForm``: ages, phone, bac and
level, accessibility note and its consent…), applied to the JSON; writes go through the youth
services, and every read of a record is logged as on the pages."""

from django import forms
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from tremplin.accounts.enums import ML_ROLES
from tremplin.accounts.models import User
from tremplin.api.clients import acting
from tremplin.api.errors import Conflict
from tremplin.api.etags import IF_MATCH_PARAMETER, check_if_match, etag_of
from tremplin.api.fields import OptionalEmailField
from tremplin.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from tremplin.api.permissions import Authenticated, MissionLocaleOnly
from tremplin.api.recommendations import MAX_LIMIT, RANKING_EXAMPLE, RankingSerializer, ranking_body
from tremplin.catalog.enums import QualificationLevel
from tremplin.matching.services import recommend
from tremplin.network.models import MissionLocale
from tremplin.territories.models import Commune
from tremplin.youth import services
from tremplin.youth.enums import AccessAction, Programme
from tremplin.youth.forms import MAX_INTERESTS, MAX_RADIUS_KM, YoungPersonForm, initial_for
from tremplin.youth.models import DEFAULT_MAX_TRAVEL_KM, YoungPerson, YoungPersonAccess


class ApiYoungPersonForm(YoungPersonForm):
    """The page's form with the commune given by its INSEE code, and the counsellor optional (a
    system registering a person may not know who will follow them)."""

    home_commune = forms.ModelChoiceField(
        queryset=Commune.objects.all(),
        error_messages={
            "required": "Indiquez le code INSEE de la commune où habite la personne.",
            "invalid_choice": "Commune inconnue : indiquez son code INSEE (ex. 12202).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].required = False


class YoungPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="Identifiant dans Tremplin.")
    first_name = serializers.CharField(max_length=150, help_text="Prénom.")
    last_name = serializers.CharField(max_length=150, help_text="Nom.")
    birth_date = serializers.DateField(
        help_text="Date de naissance. La personne a de 16 à 25 ans (29 avec une RQTH, voir `rqth`)."
    )
    rqth = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="La personne a une reconnaissance de la qualité de travailleur handicapé : permet l'accompagnement "
        "jusqu'à 29 ans. Non enregistré.",
    )
    email = OptionalEmailField(required=False, default="", help_text="Adresse électronique.")
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=30,
        help_text="Téléphone : dix chiffres commençant par 0, ou un numéro international commençant par +.",
    )
    home_commune = serializers.CharField(max_length=5, help_text="Code INSEE de la commune de résidence.")
    education_level = serializers.ChoiceField(
        choices=QualificationLevel.choices,
        required=False,
        default=QualificationLevel.INFRA_3,
        help_text="Niveau du diplôme le plus élevé : 2 = infra 3 (sans diplôme, défaut), 3 = CAP… 8 = doctorat.",
    )
    has_bac = serializers.BooleanField(
        required=False, default=False, help_text="Baccalauréat obtenu (niveau 4 au moins)."
    )
    interests = serializers.ListField(
        child=serializers.CharField(max_length=5),
        required=False,
        default=list,
        max_length=MAX_INTERESTS,
        help_text=f"Métiers qui l'intéressent : codes de fiches ROME (au plus {MAX_INTERESTS}).",
    )
    interests_text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="Centres d'intérêt, en quelques mots.",
    )
    max_travel_km = serializers.IntegerField(
        required=False,
        default=DEFAULT_MAX_TRAVEL_KM,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        help_text=f"Distance maximale de déplacement en km (défaut {DEFAULT_MAX_TRAVEL_KM}).",
    )
    distance_learning_ok = serializers.BooleanField(
        required=False, default=False, help_text="Formation à distance possible."
    )
    preferred_start = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Début souhaité (au plus deux ans devant)."
    )
    programme = serializers.ChoiceField(
        choices=Programme.choices,
        required=False,
        default=Programme.NONE,
        help_text="Dispositif : `cej` (contrat d'engagement jeune), `pacea`, `none`.",
    )
    accessibility_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="La personne accepte que ses besoins d'aménagement soient notés et transmis au Cnam.",
    )
    accessibility_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Besoins d'aménagement (seulement avec `accessibility_consent`) ; aucune information médicale.",
    )
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="La personne accepte que ses informations soient transmises au Cnam pour une orientation : "
        "sans cet accord, aucune orientation n'est possible. Enregistré avec la date et l'organisation.",
    )
    consent_purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Finalité de l'accord (défaut : la transmission au Cnam pour une orientation et son suivi).",
    )
    consent_given_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Accord recueilli le."
    )
    counsellor = serializers.EmailField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Adresse du conseiller ou de la conseillère qui suit la personne, membre de la mission locale ; "
        "null : personne en particulier.",
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="À la création : créer la fiche même si une fiche semblable existe (réponse 409 sinon).",
    )
    archived = serializers.BooleanField(read_only=True, help_text="Fiche archivée.")
    created_at = serializers.DateTimeField(read_only=True, help_text="Créée le.")
    updated_at = serializers.DateTimeField(read_only=True, help_text="Mise à jour le.")

    def to_representation(self, person):
        return {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "birth_date": person.birth_date.isoformat(),
            "email": person.email,
            "phone": person.phone,
            "home_commune": person.home_commune_id,
            "education_level": person.education_level,
            "has_bac": person.has_bac,
            "interests": sorted(fiche.code for fiche in person.interests.all()),
            "interests_text": person.interests_text,
            "max_travel_km": person.max_travel_km,
            "distance_learning_ok": person.distance_learning_ok,
            "preferred_start": person.preferred_start.isoformat() if person.preferred_start else None,
            "programme": person.programme,
            "accessibility_consent": person.accessibility_consent,
            "accessibility_note": person.accessibility_note,
            "consent": person.has_consent,
            "consent_purpose": person.consent_purpose,
            "consent_given_at": serializers.DateTimeField().to_representation(person.consent_given_at)
            if person.consent_given_at
            else None,
            "counsellor": person.counsellor.email if person.counsellor else None,
            "archived": person.is_archived,
            "created_at": serializers.DateTimeField().to_representation(person.created_at),
            "updated_at": serializers.DateTimeField().to_representation(person.updated_at),
        }


YOUNG_PERSON_EXAMPLE = {
    "first_name": "Léa",
    "last_name": "Martin",
    "birth_date": "2006-03-14",
    "email": "lea.martin@example.org",
    "phone": "06 12 34 56 78",
    "home_commune": "12202",
    "education_level": 4,
    "has_bac": True,
    "interests": ["M1805"],
    "interests_text": "informatique, jeux vidéo",
    "max_travel_km": 40,
    "distance_learning_ok": True,
    "programme": "cej",
    "consent": True,
}


def _form_data(values: dict, mission_locale_id: int, person: YoungPerson | None = None) -> dict:
    """The serializer's values as the form reads them (the counsellor by their address)."""
    data = dict(values)
    email = data.pop("counsellor", None)
    data["counsellor"] = None
    current = person.counsellor if person is not None else None
    if email and current is not None and current.email.lower() == email.lower():
        # Kept even if they left the mission locale: saving must not change them silently (as the page).
        data["counsellor"] = current.pk
    elif email:
        counsellor = (
            User.objects.filter(
                email__iexact=email,
                is_active=True,
                memberships__organisation_id=mission_locale_id,
                memberships__role__in=ML_ROLES,
                memberships__is_active=True,
            )
            .values_list("pk", flat=True)
            .first()
        )
        if counsellor is None:
            raise serializers.ValidationError(
                {
                    "counsellor": f"Aucun·e conseiller·ère actif·ve de votre mission locale n'a l'adresse « {email} »."
                }
            )
        data["counsellor"] = counsellor
    return {name: ("" if value is None else value) for name, value in data.items()}


def _initial_values(person: YoungPerson) -> dict:
    values = initial_for(person)
    values["home_commune"] = person.home_commune_id
    values["counsellor"] = person.counsellor.email if person.counsellor else None
    values["rqth"] = False
    return values


def _checked(form: ApiYoungPersonForm) -> dict:
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                field or "non_field_errors": [str(message) for message in messages]
                for field, messages in form.errors.items()
            }
        )
    return form.service_kwargs()


def _people(request):
    _, membership = acting(request)
    return (
        YoungPerson.objects.visible_to(membership)
        .select_related("home_commune", "counsellor")
        .prefetch_related("interests")
    )


def log_reads(request, person_ids: list[int]) -> None:
    """A page of records read through the API: one access row each, as ``young_person_access_log``
    writes for one record, in one query."""
    user, membership = acting(request)
    YoungPersonAccess.objects.bulk_create(
        YoungPersonAccess(
            young_person_id=pk,
            user=user,
            organisation_id=membership.organisation_id,
            action=AccessAction.VIEW,
        )
        for pk in person_ids
    )


class YoungPersonFilters(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Mots du nom ou du prénom.")
    archived = serializers.BooleanField(
        required=False, default=False, help_text="Inclure les fiches archivées (défaut : non)."
    )
    updated_since = serializers.DateTimeField(
        required=False, help_text="Modifiées depuis cet instant (ISO 8601)."
    )


class YoungPersonList(generics.ListCreateAPIView):
    permission_classes = [MissionLocaleOnly]
    serializer_class = YoungPersonSerializer

    def get_queryset(self):
        filters = YoungPersonFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        people = _people(self.request)
        if not filters.validated_data["archived"]:
            people = people.active()
        if filters.validated_data.get("q"):
            people = people.search(filters.validated_data["q"])
        if filters.validated_data.get("updated_since"):
            people = people.filter(updated_at__gte=filters.validated_data["updated_since"])
        return people

    @extend_schema(
        tags=["Jeunes"],
        summary="Jeunes de ma mission locale",
        description="Les fiches de la mission locale du jeton (actives, sauf `archived=true`). Chaque fiche "
        "renvoyée compte comme une lecture, journalisée.",
        parameters=[YoungPersonFilters],
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        log_reads(request, [item["id"] for item in response.data["results"]])
        return response

    @extend_schema(
        tags=["Jeunes"],
        summary="Inscrire un ou une jeune",
        description=(
            "Crée la fiche dans la mission locale du jeton, avec les règles du formulaire de Tremplin. Si une "
            "fiche semblable existe (même date de naissance, noms proches), la réponse est 409 avec `duplicates` : "
            "vérifiez, puis renvoyez avec `confirm_duplicate: true`. Une fiche d'une autre mission locale n'est "
            "signalée que par `known_elsewhere`. Envoyez un en-tête `Idempotency-Key` pour pouvoir réessayer "
            "sans risque de doublon."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[OpenApiExample("Fiche", value=YOUNG_PERSON_EXAMPLE, request_only=True)],
        responses={201: YoungPersonSerializer},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        user, membership = acting(request)
        serializer = YoungPersonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        confirm = values.pop("confirm_duplicate")
        form = ApiYoungPersonForm(
            data=_form_data(values, membership.organisation_id), mission_locale=membership.organisation
        )
        data = _checked(form)
        found = YoungPerson.objects.possible_duplicates_of(
            first_name=data["first_name"], last_name=data["last_name"], birth_date=data["birth_date"]
        )
        if found and not confirm:
            raise Conflict(
                "Une fiche semblable existe déjà (même date de naissance, noms proches) : vérifiez qu'il ne s'agit "
                "pas de la même personne, puis renvoyez la requête avec « confirm_duplicate »: true.",
                extra={
                    "code": "possible_duplicate",
                    "duplicates": [p.pk for p in found if p.mission_locale_id == membership.organisation_id],
                    "known_elsewhere": any(p.mission_locale_id != membership.organisation_id for p in found),
                },
            )
        person = services.young_person_create(
            mission_locale=MissionLocale.objects.get(pk=membership.organisation_id), created_by=user, **data
        )
        person = _people(request).get(pk=person.pk)
        response = Response(YoungPersonSerializer(person).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/young-people/{person.pk}/")
        response["ETag"] = etag_of(person)
        return response


class YoungPersonDetail(generics.GenericAPIView):
    # As on the pages: a record outside one's mission locale, or any record for the Cnam, is a 404.
    permission_classes = [Authenticated]
    serializer_class = YoungPersonSerializer

    def get_queryset(self):
        return _people(self.request)

    def _log(self, person, action):
        user, membership = acting(self.request)
        services.young_person_access_log(
            young_person=person, user=user, organisation=membership.organisation, action=action
        )

    @extend_schema(
        tags=["Jeunes"],
        summary="Une fiche",
        description="Une fiche de la mission locale (404 pour une autre). Chaque lecture est journalisée. "
        "La réponse porte un `ETag` à renvoyer dans `If-Match` pour modifier la fiche.",
    )
    def get(self, request, pk):
        person = self.get_object()
        self._log(person, AccessAction.VIEW)
        response = Response(YoungPersonSerializer(person).data)
        response["ETag"] = etag_of(person)
        return response

    @extend_schema(
        tags=["Jeunes"],
        summary="Modifier une fiche",
        description=(
            "Modifie les champs envoyés, les autres restent. Mêmes règles qu'à la création. `consent: false` "
            "retire l'accord. Envoyez l'`ETag` lu dans `If-Match` : si la fiche a changé entre-temps, la "
            "réponse est 412 et rien n'est écrit."
        ),
        parameters=[IF_MATCH_PARAMETER],
        examples=[
            OpenApiExample(
                "Nouvelle adresse",
                value={"home_commune": "12145", "phone": "06 98 76 54 32"},
                request_only=True,
            )
        ],
    )
    def patch(self, request, pk):
        user, membership = acting(request)
        serializer = YoungPersonSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        changes.pop("confirm_duplicate", None)
        with transaction.atomic():
            person = get_object_or_404(self.get_queryset().select_for_update(of=("self",)), pk=pk)
            check_if_match(request, person)
            values = {**_initial_values(person), **changes}
            form = ApiYoungPersonForm(
                data=_form_data(values, membership.organisation_id, person),
                mission_locale=membership.organisation,
                person=person,
            )
            person = services.young_person_update(young_person=person, user=user, **_checked(form))
            self._log(person, AccessAction.EDIT)
        person = self.get_queryset().get(pk=person.pk)
        response = Response(YoungPersonSerializer(person).data)
        response["ETag"] = etag_of(person)
        return response


class RecommendationFilters(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        default=20,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text="Nombre de sessions (défaut 20).",
    )


class YoungPersonRecommendations(generics.GenericAPIView):
    permission_classes = [Authenticated]
    serializer_class = RankingSerializer

    def get_queryset(self):
        return _people(self.request)

    @extend_schema(
        tags=["Jeunes"],
        summary="Sessions recommandées pour un ou une jeune",
        description="Le classement que montre sa fiche dans Tremplin, d'après son profil enregistré.",
        parameters=[RecommendationFilters],
        responses={200: RankingSerializer},
        examples=[RANKING_EXAMPLE],
    )
    def get(self, request, pk):
        filters = RecommendationFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        person = self.get_object()
        try:
            profile = person.matching_profile()
        except ValueError:
            raise Conflict(
                f"La commune de résidence ({person.home_commune.name}) n'a pas de coordonnées : "
                "aucun classement n'est possible.",
                extra={"code": "no_coordinates"},
            ) from None
        return Response(ranking_body(recommend(profile, limit=filters.validated_data["limit"])))
