"""``/api/v1/referrals/``: send a referral (mission locales), list and read those in scope (both
sides), move them through their lifecycle, read their timeline. Every write is a call to
``tremplin.referrals.services``: the API adds no rule of its own to the state machine."""

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from tremplin.api.catalogue import OrganisationRef
from tremplin.api.clients import acting
from tremplin.api.errors import Conflict
from tremplin.api.etags import IF_MATCH_PARAMETER, check_if_match, etag_of
from tremplin.api.fields import IdField
from tremplin.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from tremplin.api.permissions import Authenticated, MissionLocaleOnly, ReferralSides
from tremplin.api.youth import log_reads
from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import TrainingSession
from tremplin.network.models import CnamSite
from tremplin.referrals import services
from tremplin.referrals.enums import (
    Action,
    CompletionOutcome,
    ReferralStatus,
    RefusalReason,
    Side,
    WithdrawalReason,
)
from tremplin.referrals.models import Referral, ReferralEvent, side_of
from tremplin.referrals.transitions import TRANSITIONS, allowed_actions
from tremplin.youth.enums import Programme
from tremplin.youth.models import YoungPerson

# The transitions a person or a system may ask for ("expire" is the platform's own).
API_ACTIONS = [action for action in TRANSITIONS if action != Action.EXPIRE]
API_ACTION_CHOICES = [(action, Action(action).label) for action in API_ACTIONS]
# The data each action takes, beyond ``comment``.
ACTION_FIELDS = {
    Action.ACKNOWLEDGE: (),
    Action.PLAN_MEETING: ("meeting_at", "meeting_place", "meeting_url"),
    Action.ADMIT: (),
    Action.REFUSE: ("reason", "detail"),
    Action.ENROLL: ("entry_date",),
    Action.COMPLETE: ("outcome",),
    Action.DROP_OUT: (),
    Action.WITHDRAW: ("reason", "detail"),
}
STATUSES_HELP = "Statut : " + " ; ".join(
    f"`{value}` ({label.lower()})" for value, label in ReferralStatus.choices
)


def _choices_help(choices) -> str:
    return ", ".join(f"`{value}` ({label.lower()})" for value, label in choices.choices)


# ---------------------------------------------------------------------------------------------------
# Serializers


class SharedPersonSerializer(serializers.Serializer):
    """Ce que la mission locale transmet au Cnam, tant que l'accord de la personne tient."""

    id = serializers.IntegerField(
        help_text="Identifiant de la fiche (lisible par la mission locale seulement)."
    )
    shared = serializers.BooleanField(
        help_text="L'accord de transmission au Cnam est recueilli ; faux : les autres champs sont absents."
    )
    first_name = serializers.CharField(required=False, help_text="Prénom.")
    last_name = serializers.CharField(required=False, help_text="Nom.")
    birth_date = serializers.DateField(required=False, help_text="Date de naissance.")
    email = serializers.CharField(required=False, help_text="Adresse électronique.")
    phone = serializers.CharField(required=False, help_text="Téléphone.")
    home_commune = serializers.CharField(required=False, help_text="Code INSEE.")
    education_level = serializers.ChoiceField(
        choices=QualificationLevel.choices, required=False, help_text="Niveau du diplôme le plus élevé."
    )
    has_bac = serializers.BooleanField(required=False, help_text="Baccalauréat obtenu.")
    programme = serializers.ChoiceField(
        choices=Programme.choices, required=False, help_text="Dispositif suivi."
    )
    interests_text = serializers.CharField(required=False, help_text="Centres d'intérêt.")
    accessibility_note = serializers.CharField(
        required=False, help_text="Besoins d'aménagement, transmis avec l'accord de la personne."
    )
    consent_given_at = serializers.DateTimeField(required=False, help_text="Accord recueilli le.")


def _shared_person(person: YoungPerson) -> dict:
    if not person.has_consent:
        return {"id": person.pk, "shared": False}
    return {
        "id": person.pk,
        "shared": True,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date.isoformat(),
        "email": person.email,
        "phone": person.phone,
        "home_commune": person.home_commune_id,
        "education_level": person.education_level,
        "has_bac": person.has_bac,
        "programme": person.programme,
        "interests_text": person.interests_text,
        "accessibility_note": person.accessibility_note if person.accessibility_consent else "",
        "consent_given_at": serializers.DateTimeField().to_representation(person.consent_given_at),
    }


def _datetime(value):
    return None if value is None else serializers.DateTimeField().to_representation(value)


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifiant de l'orientation.")
    status = serializers.ChoiceField(choices=ReferralStatus.choices, help_text=STATUSES_HELP)
    status_label = serializers.CharField(help_text="Le statut en français.")
    status_changed_at = serializers.DateTimeField(help_text="Statut depuis le.")
    young_person = SharedPersonSerializer(help_text="Le ou la jeune.")
    session = serializers.IntegerField(
        allow_null=True,
        help_text="Session visée ; null : orientation vers un centre pour un entretien de positionnement.",
    )
    training_title = serializers.CharField(
        allow_null=True, help_text="Intitulé de la formation de la session."
    )
    site = OrganisationRef(help_text="Centre Cnam destinataire.")
    mission_locale = OrganisationRef(help_text="Mission locale qui oriente.")
    redirected_from = serializers.IntegerField(
        allow_null=True, help_text="Orientation dont celle-ci est la réorientation."
    )
    sent_at = serializers.DateTimeField(help_text="Envoyée le.")
    acknowledged_at = serializers.DateTimeField(allow_null=True, help_text="Prise en charge le.")
    meeting_planned_at = serializers.DateTimeField(allow_null=True, help_text="Entretien planifié le.")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="Admission ou refus le.")
    enrolled_at = serializers.DateTimeField(allow_null=True, help_text="Entrée enregistrée le.")
    ended_at = serializers.DateTimeField(allow_null=True, help_text="Close le.")
    meeting_at = serializers.DateTimeField(allow_null=True, help_text="Date et heure de l'entretien.")
    meeting_place = serializers.CharField(help_text="Lieu de l'entretien.")
    meeting_url = serializers.CharField(help_text="Lien de visioconférence de l'entretien.")
    entry_date = serializers.DateField(allow_null=True, help_text="Date d'entrée en formation.")
    refusal_reason = serializers.CharField(help_text="Motif de refus : " + _choices_help(RefusalReason))
    withdrawal_reason = serializers.CharField(
        help_text="Motif de retrait : " + _choices_help(WithdrawalReason)
    )
    outcome = serializers.CharField(help_text="Issue de la formation : " + _choices_help(CompletionOutcome))
    reason_detail = serializers.CharField(help_text="Précisions sur le motif.")
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=API_ACTION_CHOICES),
        help_text="Les actions que vous pouvez appliquer maintenant (voir /transitions/).",
    )
    updated_at = serializers.DateTimeField(help_text="Mise à jour le.")

    def to_representation(self, referral):
        side = self.context.get("side")
        session = referral.session
        return {
            "id": referral.pk,
            "status": referral.status,
            "status_label": referral.get_status_display(),
            "status_changed_at": _datetime(referral.status_changed_at),
            "young_person": _shared_person(referral.young_person),
            "session": referral.session_id,
            "training_title": session.action.training.title if session is not None else None,
            "site": {"id": referral.site.pk, "code": referral.site.code, "name": referral.site.name},
            "mission_locale": {
                "id": referral.mission_locale.pk,
                "code": referral.mission_locale.code,
                "name": referral.mission_locale.name,
            },
            "redirected_from": referral.redirected_from_id,
            "sent_at": _datetime(referral.sent_at),
            "acknowledged_at": _datetime(referral.acknowledged_at),
            "meeting_planned_at": _datetime(referral.meeting_planned_at),
            "decided_at": _datetime(referral.decided_at),
            "enrolled_at": _datetime(referral.enrolled_at),
            "ended_at": _datetime(referral.ended_at),
            "meeting_at": _datetime(referral.meeting_at),
            "meeting_place": referral.meeting_place,
            "meeting_url": referral.meeting_url,
            "entry_date": referral.entry_date.isoformat() if referral.entry_date else None,
            "refusal_reason": referral.refusal_reason,
            "withdrawal_reason": referral.withdrawal_reason,
            "outcome": referral.outcome,
            "reason_detail": referral.reason_detail,
            "allowed_actions": [
                t.action.value
                for t in allowed_actions(referral.status, side)
                if t.action.value in API_ACTIONS
            ],
            "updated_at": _datetime(referral.updated_at),
        }


class ReferralCreateSerializer(serializers.Serializer):
    young_person = IdField(help_text="Identifiant de la fiche du ou de la jeune.")
    session = IdField(required=False, allow_null=True, help_text="Session visée (voir /api/v1/sessions/).")
    site = IdField(
        required=False,
        allow_null=True,
        help_text="Sans session : centre Cnam pour un entretien de positionnement (voir /api/v1/sites/).",
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Message au centre (texte brut).",
    )
    notify_young_person = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Envoyer au ou à la jeune un courriel avec un lien pour confirmer son intérêt ou se retirer.",
    )

    def validate(self, data):
        if (data.get("session") is None) == (data.get("site") is None):
            raise serializers.ValidationError(
                {
                    "session": "Indiquez une session, ou un centre (site) pour un entretien de positionnement, pas les deux."
                }
            )
        return data


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=API_ACTION_CHOICES,
        help_text=(
            "`acknowledge` (prendre en charge), `plan_meeting` (avec `meeting_at` et `meeting_place` ou `meeting_url`), "
            "`admit`, `refuse` (avec `reason`), `enroll` (avec `entry_date`, défaut aujourd'hui), `complete` "
            "(avec `outcome`), `drop_out` : côté Cnam. `withdraw` (avec `reason`) : côté mission locale."
        ),
    )
    reason = serializers.CharField(
        required=False,
        max_length=30,
        help_text="Motif : pour `refuse`, "
        + _choices_help(RefusalReason)
        + " ; pour `withdraw`, "
        + _choices_help(WithdrawalReason)
        + ".",
    )
    detail = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Précision du motif, obligatoire pour `other`.",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Commentaire inscrit dans l'historique.",
    )
    meeting_at = serializers.DateTimeField(
        required=False, help_text="Date et heure de l'entretien (à venir)."
    )
    meeting_place = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Lieu de l'entretien."
    )
    meeting_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Lien https:// de visioconférence."
    )
    entry_date = serializers.DateField(
        required=False, help_text="Date d'entrée en formation (défaut : aujourd'hui)."
    )
    outcome = serializers.ChoiceField(
        choices=CompletionOutcome.choices,
        required=False,
        help_text="Issue de la formation : " + _choices_help(CompletionOutcome),
    )

    def validate(self, data):
        allowed = set(ACTION_FIELDS[Action(data["action"])]) | {"action", "comment"}
        extra = sorted(name for name in data if name not in allowed and name in self.initial_data)
        if extra:
            raise serializers.ValidationError(
                {name: f"Sans objet pour l'action « {data['action']} »." for name in extra}
            )
        return data


class EventSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(
        source="organisation.name",
        allow_null=True,
        default=None,
        help_text="Au titre de quelle organisation.",
    )
    actor = serializers.CharField(
        source="actor_label", help_text="Qui : personne et organisation, ou Tremplin."
    )

    class Meta:
        model = ReferralEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "side",
            "organisation",
            "actor",
            "reason",
            "comment",
            "created_at",
        ]
        extra_kwargs = {
            "action": {
                "help_text": "Transition (`acknowledge`…) ou action notable (`send`, `redirect`, `remind`…)."
            },
            "from_status": {"help_text": "Statut avant (vide si l'action ne change pas le statut)."},
            "to_status": {"help_text": "Statut après (vide si l'action ne change pas le statut)."},
            "side": {"help_text": "`ml`, `cnam`, `system` ou `young_person`."},
            "reason": {"help_text": "Motif (code)."},
            "comment": {"help_text": "Commentaire."},
            "created_at": {"help_text": "Le."},
        }


# ---------------------------------------------------------------------------------------------------
# Views


def _referrals(request):
    _, membership = acting(request)
    return Referral.objects.visible_to(membership).select_related(
        "young_person__home_commune",
        "site",
        "mission_locale",
        "session__action__training",
    )


def _context(request) -> dict:
    _, membership = acting(request)
    return {"request": request, "side": side_of(membership)}


def _answer(request, referral, status_code=status.HTTP_200_OK) -> Response:
    """The referral as the caller may read it; when the person's data is in it, a logged read."""
    referral = _referrals(request).get(pk=referral.pk)
    data = ReferralSerializer(referral, context=_context(request)).data
    if data["young_person"]["shared"]:
        log_reads(request, [referral.young_person_id])
    response = Response(data, status=status_code)
    response["ETag"] = etag_of(referral)
    return response


class ReferralFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, required=False, help_text=STATUSES_HELP)
    young_person = IdField(required=False, help_text="Identifiant d'une fiche.")
    site = IdField(required=False, help_text="Identifiant d'un centre Cnam.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Modifiées depuis cet instant (ISO 8601), pour suivre les changements."
    )


REFERRAL_EXAMPLE = OpenApiExample(
    "Orienter vers une session",
    value={
        "young_person": 128,
        "session": 412,
        "message": "Léa a un projet solide en développement web.",
        "notify_young_person": True,
    },
    request_only=True,
)


class ReferralList(generics.ListAPIView):
    permission_classes = [ReferralSides]
    serializer_class = ReferralSerializer

    def get_serializer_context(self):
        return _context(self.request)

    def get_serializer_class(self):
        return ReferralCreateSerializer if self.request.method == "POST" else ReferralSerializer

    def get_queryset(self):
        filters = ReferralFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        referrals = _referrals(self.request)
        data = filters.validated_data
        if data.get("status"):
            referrals = referrals.filter(status=data["status"])
        if data.get("young_person"):
            referrals = referrals.filter(young_person_id=data["young_person"])
        if data.get("site"):
            referrals = referrals.filter(site_id=data["site"])
        if data.get("updated_since"):
            referrals = referrals.filter(updated_at__gte=data["updated_since"])
        return referrals

    def get_permissions(self):
        if self.request.method == "POST":
            return [MissionLocaleOnly()]
        return super().get_permissions()

    @extend_schema(
        tags=["Orientations"],
        summary="Orientations",
        description=(
            "Les orientations de votre périmètre : celles de votre mission locale, ou celles adressées à votre "
            "centre (et, pour un centre régional, à ses centres). Pour suivre les changements, filtrez sur "
            "`updated_since`, ou enregistrez un webhook dans Tremplin. Chaque orientation renvoyée avec les "
            "informations du ou de la jeune compte comme une lecture de sa fiche, journalisée."
        ),
        parameters=[ReferralFilters],
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        log_reads(
            request,
            [
                item["young_person"]["id"]
                for item in response.data["results"]
                if item["young_person"]["shared"]
            ],
        )
        return response

    @extend_schema(
        tags=["Orientations"],
        summary="Orienter un ou une jeune",
        description=(
            "Réservé aux missions locales. La fiche doit porter l'accord de transmission au Cnam (`consent`), la "
            "session doit recevoir des orientations (`receives_referrals`). Une seule orientation en cours par "
            "personne et session : une deuxième reçoit 409 avec `referral`, l'orientation existante."
        ),
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[REFERRAL_EXAMPLE],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        user, membership = acting(request)
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = YoungPerson.objects.visible_to(membership).filter(pk=data["young_person"]).first()
        if person is None:
            raise exceptions.ValidationError(
                {"young_person": "Aucune fiche de votre mission locale n'a cet identifiant."}
            )
        target = {}
        if data.get("session") is not None:
            target["session"] = TrainingSession.objects.filter(pk=data["session"]).first()
            if target["session"] is None:
                raise exceptions.ValidationError({"session": "Aucune session n'a cet identifiant."})
        else:
            target["site"] = CnamSite.objects.filter(pk=data["site"]).first()
            if target["site"] is None:
                raise exceptions.ValidationError({"site": "Aucun centre Cnam n'a cet identifiant."})
        try:
            referral = services.referral_send(
                young_person=person,
                user=user,
                membership=membership,
                message=data["message"],
                notify_young_person=data["notify_young_person"],
                **target,
            )
        except services.ReferralError as error:
            raise _problem(error) from None
        response = _answer(request, referral, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/referrals/{referral.pk}/")
        return response


def _problem(error: services.ReferralError) -> exceptions.APIException:
    if error.referral is not None:
        return Conflict(error.message, extra={"code": "referral_exists", "referral": error.referral.pk})
    if error.field:
        return exceptions.ValidationError({error.field: [error.message]})
    return Conflict(error.message, extra={"code": "referral_refused"})


class ReferralDetail(generics.GenericAPIView):
    permission_classes = [Authenticated]  # outside one's scope, steering included: 404
    serializer_class = ReferralSerializer

    def get_queryset(self):
        return _referrals(self.request)

    @extend_schema(
        tags=["Orientations"],
        summary="Une orientation",
        description=(
            "Une orientation de votre périmètre (404 sinon), avec les informations que la mission locale transmet "
            "au Cnam tant que l'accord de la personne tient. Chaque lecture est journalisée. La réponse porte un "
            "`ETag`, que `If-Match` peut renvoyer avec une transition."
        ),
        responses={200: ReferralSerializer},
    )
    def get(self, request, pk):
        return _answer(request, self.get_object())


TRANSITION_EXAMPLES = [
    OpenApiExample("Prendre en charge", value={"action": "acknowledge"}, request_only=True),
    OpenApiExample(
        "Planifier l'entretien",
        value={
            "action": "plan_meeting",
            "meeting_at": "2025-09-18T14:00:00+02:00",
            "meeting_place": "Cnam Rodez, salle 2",
        },
        request_only=True,
    ),
    OpenApiExample("Admettre", value={"action": "admit", "comment": "Dossier complet."}, request_only=True),
    OpenApiExample(
        "Refuser",
        value={
            "action": "refuse",
            "reason": "prerequisites",
            "comment": "Prérequis en mathématiques à renforcer.",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Enregistrer l'entrée", value={"action": "enroll", "entry_date": "2025-10-06"}, request_only=True
    ),
    OpenApiExample(
        "Fin de formation", value={"action": "complete", "outcome": "certified"}, request_only=True
    ),
    OpenApiExample(
        "Retirer (mission locale)",
        value={"action": "withdraw", "reason": "other_solution", "comment": "A trouvé un emploi."},
        request_only=True,
    ),
]


class ReferralTransition(generics.GenericAPIView):
    permission_classes = [Authenticated]  # outside one's scope, steering included: 404
    serializer_class = TransitionSerializer

    def get_queryset(self):
        return _referrals(self.request)

    @extend_schema(
        tags=["Orientations"],
        summary="Faire avancer une orientation",
        description=(
            "Applique une action du cycle de vie : envoyée → prise en charge → entretien planifié → admission → "
            "entrée en formation → formation terminée (ou abandon) ; refus possible avant l'entrée, retrait par la "
            "mission locale avant l'entrée. Les actions possibles maintenant sont dans `allowed_actions` de "
            "l'orientation. Une action de l'autre côté : 403 ; depuis un statut qui ne la permet pas : 409 ; une "
            "donnée manquante ou invalide : 400 avec le champ. Répond avec l'orientation à jour."
        ),
        request=TransitionSerializer,
        responses={200: ReferralSerializer},
        parameters=[IDEMPOTENCY_PARAMETER, IF_MATCH_PARAMETER],
        examples=TRANSITION_EXAMPLES,
    )
    @idempotent
    def post(self, request, pk):
        user, membership = acting(request)
        referral = self.get_object()
        # The other side's action is refused before its data is checked: that is the first thing to say.
        asked = request.data.get("action") if isinstance(request.data, dict) else None
        if (
            isinstance(asked, str)
            and asked in API_ACTIONS
            and side_of(membership) not in TRANSITIONS[asked].sides
        ):
            other = "la mission locale" if Side.ML in TRANSITIONS[asked].sides else "le Cnam"
            raise exceptions.PermissionDenied(f"Seul {other} peut appliquer l'action « {asked} ».")
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        action = Action(data.pop("action"))
        comment = data.pop("comment", "")
        with transaction.atomic():
            if request.headers.get("If-Match") is not None:
                check_if_match(request, Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk))
            try:
                referral = services.referral_transition(
                    referral=referral,
                    action=action,
                    user=user,
                    membership=membership,
                    comment=comment,
                    **data,
                )
            except services.ReferralTransitionError as error:
                if error.field:
                    raise exceptions.ValidationError({error.field: [error.message]}) from None
                raise Conflict(error.message, extra={"code": "transition_refused"}) from None
        return _answer(request, referral)


class ReferralEvents(generics.GenericAPIView):
    permission_classes = [Authenticated]  # outside one's scope, steering included: 404
    serializer_class = EventSerializer
    pagination_class = None

    def get_queryset(self):
        return _referrals(self.request)

    @extend_schema(
        tags=["Orientations"],
        summary="Historique d'une orientation",
        description="Les événements de l'orientation, du plus ancien au plus récent : qui, quand, de quel statut à quel statut, pourquoi.",
        responses={200: EventSerializer(many=True)},
    )
    def get(self, request, pk):
        referral = self.get_object()
        events = referral.events.select_related("actor", "organisation").order_by("created_at", "pk")
        return Response(EventSerializer(events, many=True).data)
