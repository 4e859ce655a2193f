"""A referral (orientation) of a young person to a Cnam session, or to a Cnam site for a positioning
meeting, with its events, its message thread and the notifications it causes.

Every write goes through ``tremplin.referrals.services``; the allowed transitions are the table in
``tremplin.referrals.transitions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q

from tremplin.accounts.enums import CNAM_ROLES, ML_ROLES
from tremplin.catalog.models import TrainingSession
from tremplin.network.models import CnamSite, MissionLocale, Organisation
from tremplin.referrals import clock
from tremplin.referrals.deadlines import reminder_cutoff
from tremplin.referrals.enums import (
    ACTIVE_STATUSES,
    AWAITING_CNAM_STATUSES,
    OPEN_STATUSES,
    STATUS_BADGES,
    Action,
    CompletionOutcome,
    EmailFrequency,
    ReferralStatus,
    RefusalReason,
    Side,
    WithdrawalReason,
)
from tremplin.youth.models import YoungPerson

MESSAGE_MAX_LENGTH = 5000
OPEN_STATUS_VALUES = sorted(status.value for status in OPEN_STATUSES)


def side_of(membership) -> Side | None:
    if membership is None:
        return None
    if membership.role in ML_ROLES:
        return Side.ML
    if membership.role in CNAM_ROLES:
        return Side.CNAM
    return None


def _to_act(side: Side | None) -> Q | None:
    if side == Side.CNAM:
        return Q(status__in=ACTIVE_STATUSES)
    if side == Side.ML:
        redirected = Referral.objects.filter(redirected_from=OuterRef("pk"))
        return Q(status__in=(ReferralStatus.REFUSED, ReferralStatus.EXPIRED)) & ~Q(Exists(redirected))
    return None


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, membership):
        """Counsellors and managers: their mission locale's referrals. Cnam referents and regional
        administrators: those addressed to their organisation and, for a regional centre, to its
        sites. Steering and anyone else: none (they read aggregates)."""
        side = side_of(membership)
        if side == Side.ML:
            return self.filter(mission_locale_id=membership.organisation_id)
        if side == Side.CNAM:
            # A teaching site is nobody's parent: the second term only adds rows for a regional centre.
            org = membership.organisation_id
            return self.filter(Q(site_id=org) | Q(site__parent_id=org))
        return self.none()

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def awaiting_cnam(self):
        return self.filter(status__in=AWAITING_CNAM_STATUSES, awaiting_cnam_since__isnull=False)

    def late(self, now=None):
        """Waiting for the Cnam beyond the reminder deadline (REFERRAL_REMINDER_DAYS working days)."""
        return self.awaiting_cnam().filter(awaiting_cnam_since__lt=reminder_cutoff(now or clock.now()))

    def to_act_on(self, side: Side | None):
        """What needs this side's next move. Cnam: every referral still to be decided or entered.
        ML: referrals that ended without a solution (refused, expired) and were not redirected yet."""
        condition = _to_act(side)
        return self.none() if condition is None else self.filter(condition)

    def counts(self, side: Side | None, now=None) -> dict[str, int]:
        """``new``, ``active``, ``to_act`` and ``late`` counts in one query (home pages, list tabs)."""
        to_act = _to_act(side)
        late = Q(
            status__in=AWAITING_CNAM_STATUSES, awaiting_cnam_since__lt=reminder_cutoff(now or clock.now())
        )
        return self.aggregate(
            new=Count("pk", filter=Q(status=ReferralStatus.SENT)),
            active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
            to_act=Count("pk", filter=to_act if to_act is not None else Q(pk__in=[])),
            late=Count("pk", filter=late),
        )

    def with_unread_count(self, user):
        """``unread``: messages of the other people in the thread that ``user`` has not seen yet."""
        last_read = ReferralReadMarker.objects.filter(referral=OuterRef("pk"), user=user).values("read_at")
        return self.annotate(
            unread=Count(
                "messages",
                filter=~Q(messages__author=user)
                & (Q(messages__created_at__gt=models.Subquery(last_read)) | ~Exists(last_read)),
            )
        )


class Referral(models.Model):
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="referrals", verbose_name="jeune"
    )
    # Empty for a referral to a site for a positioning meeting ("no session fits yet").
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="session",
    )
    site = models.ForeignKey(
        CnamSite, on_delete=models.PROTECT, related_name="referrals", verbose_name="centre Cnam"
    )
    mission_locale = models.ForeignKey(
        MissionLocale, on_delete=models.PROTECT, related_name="referrals", verbose_name="mission locale"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="sent_referrals",
        verbose_name="envoyée par",
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_referrals",
        verbose_name="référent·e Cnam",
    )
    status = models.CharField(
        "statut", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    status_changed_at = models.DateTimeField("statut depuis le")
    redirected_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redirections",
        verbose_name="réorientation de",
    )

    # When each step happened, so that delays are plain SQL differences (the statistics read them).
    sent_at = models.DateTimeField("envoyée le", db_index=True)
    acknowledged_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    meeting_planned_at = models.DateTimeField("entretien planifié le", null=True, blank=True)
    decided_at = models.DateTimeField("décision le", null=True, blank=True)
    enrolled_at = models.DateTimeField("entrée enregistrée le", null=True, blank=True)
    ended_at = models.DateTimeField("close le", null=True, blank=True)

    meeting_at = models.DateTimeField("date de l'entretien", null=True, blank=True)
    meeting_place = models.CharField("lieu de l'entretien", max_length=300, blank=True)
    meeting_url = models.CharField("lien de visioconférence", max_length=500, blank=True)
    entry_date = models.DateField("date d'entrée en formation", null=True, blank=True)
    refusal_reason = models.CharField(
        "motif de refus", max_length=20, choices=RefusalReason.choices, blank=True
    )
    withdrawal_reason = models.CharField(
        "motif de retrait", max_length=30, choices=WithdrawalReason.choices, blank=True
    )
    outcome = models.CharField(
        "issue de la formation", max_length=20, choices=CompletionOutcome.choices, blank=True
    )
    reason_detail = models.TextField("précisions sur le motif", blank=True)

    # Deadlines: since when the Cnam owes the next step (empty when it does not), and whether this
    # wait was already reminded and escalated. Every transition resets the three.
    awaiting_cnam_since = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField("relancée le", null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(
        "signalée au centre régional le", null=True, blank=True, editable=False
    )

    # The young person's signed link: a new nonce revokes the previous links; one use only.
    young_person_notified = models.BooleanField("courriel envoyé au ou à la jeune", default=False)
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    link_sent_at = models.DateTimeField("lien envoyé le", null=True, blank=True, editable=False)
    link_used_at = models.DateTimeField("lien utilisé le", null=True, blank=True, editable=False)

    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "awaiting_cnam_since"], name="referral_awaiting"),
            models.Index(fields=["mission_locale", "status"], name="referral_ml_status"),
            models.Index(fields=["site", "status"], name="referral_site_status"),
        ]
        constraints = [
            # One open referral per person and session, or per person and site when there is no
            # session: a double click, or two counsellors at once, send one referral.
            models.UniqueConstraint(
                fields=["young_person", "session"],
                condition=Q(status__in=OPEN_STATUS_VALUES, session__isnull=False),
                name="referral_one_open_per_session",
            ),
            models.UniqueConstraint(
                fields=["young_person", "site"],
                condition=Q(status__in=OPEN_STATUS_VALUES, session__isnull=True),
                name="referral_one_open_per_site",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.REFUSED) | ~Q(refusal_reason=""),
                name="referral_refusal_has_reason",
            ),
        ]

    def __str__(self):
        # No name: this is what the admin, error reports and logs print.
        return f"Orientation n° {self.pk} → {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.session_id is None:
            return f"entretien de positionnement — {self.site.name}"
        return f"{self.session.action.training.title} — {self.site.name}"

    @property
    def is_positioning(self) -> bool:
        return self.session_id is None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def badge(self) -> str:
        return STATUS_BADGES[ReferralStatus(self.status)]

    @property
    def reason_label(self) -> str:
        """The coded reason of the ending, with its detail, for lists and emails."""
        label = ""
        if self.status == ReferralStatus.REFUSED:
            label = self.get_refusal_reason_display()
        elif self.status == ReferralStatus.WITHDRAWN:
            label = self.get_withdrawal_reason_display()
        elif self.status == ReferralStatus.COMPLETED:
            label = self.get_outcome_display()
        return f"{label} : {self.reason_detail}" if label and self.reason_detail else label


class ReferralEvent(models.Model):
    """One line of the timeline: a transition or a notable action, who did it, when and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("action", max_length=20, choices=Action.choices)
    from_status = models.CharField("de", max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=ReferralStatus.choices, blank=True)
    side = models.CharField("côté", max_length=20, choices=Side.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="au titre de",
    )
    reason = models.CharField("motif (code)", max_length=30, blank=True)
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField("le", db_index=True)

    class Meta:
        verbose_name = "événement d'orientation"
        verbose_name_plural = "événements d'orientation"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def is_transition(self) -> bool:
        return bool(self.to_status)

    @property
    def reason_label(self) -> str:
        choices = {
            Action.REFUSE: RefusalReason,
            Action.WITHDRAW: WithdrawalReason,
            Action.COMPLETE: CompletionOutcome,
        }.get(self.action)
        return choices(self.reason).label if choices and self.reason in choices.values else self.reason

    @property
    def actor_label(self) -> str:
        if self.side == Side.SYSTEM:
            return "Tremplin (automatique)"
        if self.side == Side.YOUNG_PERSON:
            return "Le ou la jeune, par le lien reçu"
        # No person: an API client acting for its organisation, or an account deleted since.
        name = (
            (self.actor.get_full_name() or self.actor.email)
            if self.actor
            else "accès par l'API ou compte supprimé"
        )
        return f"{name} ({self.organisation.name})" if self.organisation else name


class ReferralMessage(models.Model):
    """A message of the thread between the mission locale and the Cnam. Plain text only: it is
    escaped on display, and HTML is refused when written (see forms.MessageForm)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="auteur·rice",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="au titre de"
    )
    side = models.CharField("côté", max_length=20, choices=Side.choices)
    body = models.TextField("message", max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField("le", db_index=True)

    class Meta:
        verbose_name = "message"
        ordering = ["created_at", "pk"]


class ReferralReadMarker(models.Model):
    """Up to when a user has read a referral's thread."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "user"], name="referral_read_marker_unique")
        ]


# ---------------------------------------------------------------------------------------------------
# Notifications


class NotificationPreference(models.Model):
    """How a user wants their referral emails: one per event, or a daily digest. No row: immediate."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_notification_preference"
    )
    frequency = models.CharField(
        "courriels sur les orientations",
        max_length=10,
        choices=EmailFrequency.choices,
        default=EmailFrequency.IMMEDIATE,
    )

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"


class OutboxEmail(models.Model):
    """One email to send. Written in the same transaction as what it tells, sent after the commit;
    a failure stays here (``last_error``) and ``referrals_tick`` tries again."""

    key = models.CharField(
        max_length=120, unique=True, null=True, blank=True, help_text="empêche les doublons"
    )
    to = models.EmailField("destinataire")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="emails"
    )
    subject = models.CharField("objet", max_length=250)
    body = models.TextField("texte")
    created_at = models.DateTimeField("créé le")
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)

    class Meta:
        verbose_name = "courriel"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at", "attempts"], name="outbox_unsent")]

    def __str__(self):
        return f"{self.to} — {self.subject}"


class Notification(models.Model):
    """One piece of news for a user about a referral. Immediate users get it by email at once; the
    others in the next daily digest (``digest`` points to the email that carried it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_notifications"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    summary = models.CharField("résumé", max_length=300)
    created_at = models.DateTimeField("le")
    email = models.ForeignKey(
        OutboxEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "email"], name="notification_pending")]
