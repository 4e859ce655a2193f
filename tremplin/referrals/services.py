"""Every write on referrals: send, transition, redirect, messages, the young person's link.

Pages, the ``referrals_tick`` command and the REST API call these functions and nothing else. Each
is atomic with the events and notifications it writes; emails leave after the commit.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from tremplin.accounts.models import Membership, User
from tremplin.catalog.models import TrainingSession
from tremplin.network.models import CnamSite
from tremplin.referrals import clock, notifications
from tremplin.referrals.enums import (
    OPEN_STATUSES,
    REDIRECTABLE_STATUSES,
    Action,
    CompletionOutcome,
    ReferralStatus,
    RefusalReason,
    Side,
    WithdrawalReason,
)
from tremplin.referrals.models import (
    MESSAGE_MAX_LENGTH,
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralReadMarker,
    side_of,
)
from tremplin.referrals.transitions import TRANSITIONS
from tremplin.youth.models import YoungPerson

# An HTML tag or comment: refused in messages, which are plain text (a lone "<" is fine).
HTML_TAG = re.compile(r"<\s*(/\s*)?[a-zA-Z!][^<>]*>")


class ReferralError(Exception):
    """A write refused; ``str(error)`` is the French sentence shown to people. ``field`` names the
    form field at fault, if any; ``referral`` is the existing referral the error is about, if any."""

    def __init__(self, message: str, *, field: str | None = None, referral: Referral | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.referral = referral


class ReferralTransitionError(ReferralError):
    """A transition refused: unknown action, wrong side, wrong status, or invalid data."""


# ---------------------------------------------------------------------------------------------------
# Sending


@transaction.atomic
def referral_send(
    *,
    young_person: YoungPerson,
    user: User,
    membership: Membership,
    session: TrainingSession | None = None,
    site: CnamSite | None = None,
    message: str = "",
    notify_young_person: bool = False,
    redirected_from: Referral | None = None,
) -> Referral:
    """Refer ``young_person`` to ``session`` (its site follows), or to ``site`` for a positioning
    meeting when no session fits. Raises ReferralError when the person is not the member's, has no
    recorded consent, is archived, when the session no longer takes referrals, or when an open
    referral to the same session (or site, without session) exists: a double click sends one."""
    if side_of(membership) != Side.ML:
        raise ReferralError(
            "Seuls les conseiller·ères et responsables de mission locale orientent des jeunes."
        )
    if (session is None) == (site is None):
        raise ValueError("give a session or a site, not both")
    now = clock.now()
    # The person's row is the lock that serialises two sends for them (double click, two tabs).
    person = (
        YoungPerson.objects.select_for_update()
        .filter(pk=young_person.pk, mission_locale_id=membership.organisation_id)
        .first()
    )
    if person is None:
        raise ReferralError("Cette personne n'est pas suivie par votre mission locale.")
    if not person.has_consent:
        raise ReferralError(
            f"L'accord de {person.full_name} pour transmettre ses informations au Cnam n'est pas "
            "enregistré : aucune orientation n'est possible."
        )
    if person.is_archived:
        raise ReferralError(f"La fiche de {person.full_name} est archivée : réactivez-la pour l'orienter.")
    if session is not None:
        session = (
            TrainingSession.objects.receivable(timezone.localdate(now))
            .select_related("action__cnam_site", "action__training")
            .filter(pk=session.pk)
            .first()
        )
        if session is None:
            raise ReferralError(
                "Cette session ne reçoit plus d'orientation (inscriptions closes, session commencée "
                "ou sans centre Cnam).",
                field="session",
            )
        site = session.action.cnam_site
    existing = open_referral_to(person, session=session, site=site)
    if existing is not None:
        raise ReferralError(
            f"{person.full_name} a déjà une orientation en cours vers "
            f"{'cette session' if session else 'ce centre'} ({existing.get_status_display().lower()}).",
            referral=existing,
        )
    _check_text(message, field="message")
    referral = Referral(
        young_person=person,
        session=session,
        site=site,
        mission_locale_id=membership.organisation_id,
        sender=user,
        status=ReferralStatus.SENT,
        status_changed_at=now,
        sent_at=now,
        awaiting_cnam_since=now,
        redirected_from=redirected_from,
    )
    try:
        with transaction.atomic():  # a savepoint: the constraint is the last guard against a race
            referral.save()
    except IntegrityError:
        existing = open_referral_to(person, session=session, site=site)
        raise ReferralError(
            f"{person.full_name} a déjà une orientation en cours vers "
            f"{'cette session' if session else 'ce centre'}.",
            referral=existing,
        ) from None
    comment = ""
    if redirected_from is not None:
        comment = f"Réorientation de l'orientation n° {redirected_from.pk} ({redirected_from.target_label})."
    event = _event(
        referral,
        Action.SEND,
        side=Side.ML,
        user=user,
        membership=membership,
        now=now,
        to_status=ReferralStatus.SENT,
        comment=comment,
    )
    if message.strip():
        _message_create(referral, user=user, membership=membership, body=message, now=now)
    notifications.notify_event(referral=referral, event=event, message=message.strip())
    if notify_young_person and person.email:
        _send_young_person_link(referral, user=user, membership=membership, now=now)
    return referral


def open_referral_to(person: YoungPerson, *, session=None, site=None) -> Referral | None:
    """The person's open referral to this session (or to this site without session), if any."""
    referrals = Referral.objects.filter(young_person=person, status__in=OPEN_STATUSES)
    if session is not None:
        return referrals.filter(session=session).first()
    return referrals.filter(site=site, session__isnull=True).first()


@transaction.atomic
def referral_redirect(
    *,
    referral: Referral,
    user: User,
    membership: Membership,
    session: TrainingSession | None = None,
    site: CnamSite | None = None,
    message: str = "",
    notify_young_person: bool = False,
) -> Referral:
    """Send a new referral linked to ``referral``; an active one is withdrawn (reason "redirected")
    in the same transaction. A referral that started or finished a training cannot be redirected,
    nor one already redirected."""
    old = _locked(referral, membership)
    if side_of(membership) != Side.ML:
        raise ReferralError("Seule la mission locale peut réorienter une orientation.")
    if old.status not in REDIRECTABLE_STATUSES:
        raise ReferralError(
            f"Une orientation « {old.get_status_display().lower()} » ne peut pas être réorientée."
        )
    if old.redirections.exists():
        raise ReferralError("Cette orientation a déjà été réorientée.", referral=old.redirections.first())
    if old.status in TRANSITIONS[Action.WITHDRAW].sources:
        referral_transition(
            referral=old,
            action=Action.WITHDRAW,
            user=user,
            membership=membership,
            reason=WithdrawalReason.REDIRECTED,
        )
    new = referral_send(
        young_person=old.young_person,
        user=user,
        membership=membership,
        session=session,
        site=site,
        message=message,
        notify_young_person=notify_young_person,
        redirected_from=old,
    )
    _event(
        old,
        Action.REDIRECT,
        side=Side.ML,
        user=user,
        membership=membership,
        now=clock.now(),
        comment=f"Nouvelle orientation n° {new.pk} : {new.target_label}.",
    )
    return new


# ---------------------------------------------------------------------------------------------------
# Transitions

# What each transition reads from ``data``: (field name, required).
_DATA = {
    Action.ACKNOWLEDGE: {},
    Action.PLAN_MEETING: {"meeting_at": True, "meeting_place": False, "meeting_url": False},
    Action.ADMIT: {},
    Action.REFUSE: {"reason": True, "detail": False},
    Action.ENROLL: {"entry_date": False},
    Action.COMPLETE: {"outcome": True},
    Action.DROP_OUT: {},
    Action.WITHDRAW: {"reason": True, "detail": False},
    Action.EXPIRE: {},
}


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    action: str,
    user: User | None,
    membership: Membership | None,
    side: Side | None = None,
    comment: str = "",
    **data,
) -> Referral:
    """Apply ``action`` (a key of ``TRANSITIONS``) to ``referral`` as ``membership``'s side, or as
    ``side`` (``SYSTEM``, ``YOUNG_PERSON``) without a membership. The row is locked and read again,
    so of two concurrent transitions the second sees the first's result and is refused. Returns the
    updated referral; raises ReferralTransitionError with a French message, and writes nothing then.

    ``data`` by action — plan_meeting: ``meeting_at`` (aware datetime, future) and ``meeting_place``
    and/or ``meeting_url``; refuse: ``reason`` (RefusalReason), ``detail`` (required for "other");
    enroll: ``entry_date`` (default today); complete: ``outcome`` (CompletionOutcome); withdraw:
    ``reason`` (WithdrawalReason), ``detail`` (required for "other")."""
    rule = TRANSITIONS.get(str(action))
    if rule is None:
        raise ReferralTransitionError(f"Action inconnue : « {action} ».")
    unknown = set(data) - set(_DATA[rule.action])
    if unknown:
        raise TypeError(f"{action} takes no {sorted(unknown)}")
    if membership is not None:
        side = side_of(membership)
    elif side is None:
        side = Side.SYSTEM
    now = clock.now()
    locked = _locked(referral, membership)
    if side not in rule.sides:
        raise ReferralTransitionError(_wrong_side(rule.action, side))
    if locked.status not in rule.sources:
        raise ReferralTransitionError(
            f"Impossible {_de(_VERBS[rule.action])} : l'orientation est « "
            f"{locked.get_status_display().lower()} » depuis le {timezone.localtime(locked.status_changed_at):%d/%m/%Y à %H:%M}."
        )
    _check_text(comment, field="comment", error=ReferralTransitionError)
    reason = _apply_data(locked, rule.action, data, now)

    previous = locked.status
    locked.status = rule.target
    locked.status_changed_at = now
    for stamp in rule.stamps:
        if getattr(locked, stamp) is None:
            setattr(locked, stamp, now)
    if rule.target in (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED):
        locked.awaiting_cnam_since = now
    elif rule.target == ReferralStatus.MEETING_PLANNED:
        locked.awaiting_cnam_since = locked.meeting_at  # the Cnam owes a decision once the meeting is past
    else:
        locked.awaiting_cnam_since = None
    locked.reminded_at = locked.escalated_at = None
    if side == Side.CNAM and locked.referent_id is None:
        locked.referent = user
    locked.save()
    event = _event(
        locked,
        rule.action,
        side=side,
        user=user,
        membership=membership,
        now=now,
        from_status=previous,
        to_status=rule.target,
        reason=reason,
        comment=comment.strip(),
    )
    notifications.notify_event(referral=locked, event=event)
    return locked


_VERBS = {
    Action.ACKNOWLEDGE: "prendre en charge cette orientation",
    Action.PLAN_MEETING: "planifier un entretien",
    Action.ADMIT: "prononcer l'admission",
    Action.REFUSE: "refuser cette orientation",
    Action.ENROLL: "enregistrer l'entrée en formation",
    Action.COMPLETE: "enregistrer la fin de formation",
    Action.DROP_OUT: "enregistrer un abandon",
    Action.WITHDRAW: "retirer cette orientation",
    Action.EXPIRE: "clore cette orientation faute de réponse",
}


def _de(verb: str) -> str:
    """French elision: "de prendre", "d'enregistrer"."""
    return f"d'{verb}" if verb[:1] in "aeéiouyh" else f"de {verb}"


def _wrong_side(action: Action, side: Side | None) -> str:
    if action == Action.WITHDRAW:
        return "Seule la mission locale (ou le ou la jeune) peut retirer une orientation."
    if action == Action.EXPIRE:
        return "Une orientation n'expire qu'automatiquement, faute de réponse dans le délai."
    return f"Seul le Cnam peut {_VERBS[action]}."


def _apply_data(referral: Referral, action: Action, data: dict, now: datetime.datetime) -> str:
    """Check the transition's data and set it on ``referral``; returns the coded reason, if any."""
    for name, required in _DATA[action].items():
        if required and data.get(name) in (None, ""):
            raise ReferralTransitionError(
                _MISSING[name][action] if name == "reason" else _MISSING[name], field=name
            )
    if action == Action.PLAN_MEETING:
        meeting_at = data["meeting_at"]
        if timezone.is_naive(meeting_at):
            raise ValueError("meeting_at must be aware")
        if meeting_at <= now:
            raise ReferralTransitionError(
                "La date de l'entretien est passée : indiquez une date à venir.", field="meeting_at"
            )
        place, url = (data.get("meeting_place") or "").strip(), (data.get("meeting_url") or "").strip()
        if not place and not url:
            raise ReferralTransitionError(
                "Indiquez le lieu de l'entretien ou le lien de la visioconférence.", field="meeting_place"
            )
        if url and not re.match(r"https://\S+$", url):
            raise ReferralTransitionError(
                "Le lien de visioconférence doit commencer par https://.", field="meeting_url"
            )
        referral.meeting_at, referral.meeting_place, referral.meeting_url = meeting_at, place[:300], url
        return ""
    if action in (Action.REFUSE, Action.WITHDRAW):
        choices = RefusalReason if action == Action.REFUSE else WithdrawalReason
        reason, detail = data["reason"], (data.get("detail") or "").strip()
        if reason not in choices.values:
            raise ReferralTransitionError(f"Motif inconnu : « {reason} ».", field="reason")
        if reason == choices.OTHER and not detail:
            raise ReferralTransitionError("Précisez le motif « autre ».", field="detail")
        _check_text(detail, field="detail", error=ReferralTransitionError)
        if action == Action.REFUSE:
            referral.refusal_reason = reason
        else:
            referral.withdrawal_reason = reason
        referral.reason_detail = detail
        return reason
    if action == Action.ENROLL:
        entry = data.get("entry_date") or timezone.localdate(now)
        if entry > timezone.localdate(now):
            raise ReferralTransitionError(
                "La date d'entrée est dans le futur : enregistrez l'entrée le jour venu.", field="entry_date"
            )
        if entry < timezone.localdate(referral.sent_at):
            raise ReferralTransitionError(
                "La date d'entrée précède l'envoi de l'orientation.", field="entry_date"
            )
        referral.entry_date = entry
        return ""
    if action == Action.COMPLETE:
        if data["outcome"] not in CompletionOutcome.values:
            raise ReferralTransitionError(f"Issue inconnue : « {data['outcome']} ».", field="outcome")
        referral.outcome = data["outcome"]
        return data["outcome"]
    return ""


_MISSING = {
    "reason": {
        Action.REFUSE: "Un refus demande un motif.",
        Action.WITHDRAW: "Un retrait demande un motif.",
    },
    "meeting_at": "Indiquez la date et l'heure de l'entretien.",
    "outcome": "Indiquez l'issue de la formation.",
}


def _locked(referral: Referral, membership: Membership | None) -> Referral:
    """The referral's row, locked, read again, within the member's scope (a referral out of their
    scope does not exist for them)."""
    queryset = Referral.objects.all() if membership is None else Referral.objects.visible_to(membership)
    locked = queryset.select_for_update(of=("self",)).filter(pk=referral.pk).first()
    if locked is None:
        raise Referral.DoesNotExist("referral not visible to this membership")
    return locked


def _event(
    referral, action, *, side, user, membership, now, from_status="", to_status="", reason="", comment=""
):
    return ReferralEvent.objects.create(
        referral=referral,
        action=action,
        side=side,
        actor=user,
        organisation_id=membership.organisation_id if membership else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        comment=comment,
        created_at=now,
    )


# ---------------------------------------------------------------------------------------------------
# Thread


def _check_text(text: str, *, field: str, error: type[ReferralError] = ReferralError) -> None:
    if len(text) > MESSAGE_MAX_LENGTH:
        raise error(
            f"Le texte fait {len(text):_} caractères ; {MESSAGE_MAX_LENGTH:_} au plus.".replace(
                "_", "\u202f"
            ),
            field=field,
        )
    if HTML_TAG.search(text):
        raise error(
            "Le texte contient des balises HTML : écrivez en texte simple, sans « < … > ».", field=field
        )


@transaction.atomic
def referral_message_post(
    *, referral: Referral, user: User, membership: Membership, body: str
) -> ReferralMessage:
    """Add a plain-text message (5,000 characters at most, no HTML) to the thread; the other side
    is notified."""
    locked = _locked(referral, membership)
    if side_of(membership) is None:
        raise ReferralError("Seules la mission locale et le Cnam échangent des messages.")
    if not body.strip():
        raise ReferralError("Le message est vide.", field="body")
    _check_text(body, field="body")
    now = clock.now()
    message = _message_create(locked, user=user, membership=membership, body=body, now=now)
    notifications.notify_message(referral=locked, message=message)
    return message


def _message_create(referral, *, user, membership, body, now) -> ReferralMessage:
    message = ReferralMessage.objects.create(
        referral=referral,
        author=user,
        organisation_id=membership.organisation_id,
        side=side_of(membership),
        body=body.strip(),
        created_at=now,
    )
    if user is not None:  # an API client writes as its organisation, with no person to mark
        _mark_read(referral, user, now)
    return message


def referral_mark_read(*, referral: Referral, user: User) -> None:
    """The user has seen the thread as it is now."""
    _mark_read(referral, user, clock.now())


def _mark_read(referral, user, now) -> None:
    ReferralReadMarker.objects.update_or_create(referral=referral, user=user, defaults={"read_at": now})


# ---------------------------------------------------------------------------------------------------
# The young person's link


@transaction.atomic
def referral_young_person_link_send(*, referral: Referral, user: User, membership: Membership) -> Referral:
    """Send the young person (again) the email with the site's contact and a new link; the links
    sent before stop working."""
    locked = _locked(referral, membership)
    if side_of(membership) != Side.ML:
        raise ReferralError("Seule la mission locale écrit au ou à la jeune.")
    if not locked.is_active:
        raise ReferralError("Cette orientation est close : aucun lien n'est envoyé.")
    if not locked.young_person.email:
        raise ReferralError("La fiche n'a pas d'adresse électronique.")
    _send_young_person_link(locked, user=user, membership=membership, now=clock.now())
    return locked


def _send_young_person_link(referral: Referral, *, user, membership, now) -> None:
    referral.link_nonce = secrets.token_hex(8)
    referral.link_sent_at = now
    referral.link_used_at = None
    referral.young_person_notified = True
    referral.save(
        update_fields=["link_nonce", "link_sent_at", "link_used_at", "young_person_notified", "updated_at"]
    )
    _event(referral, Action.LINK_SENT, side=Side.ML, user=user, membership=membership, now=now)
    notifications.email_young_person(referral=referral)


class LinkError(ReferralError):
    """The young person's link cannot be used; ``kind`` says why: forged, expired, used, revoked, closed."""

    def __init__(self, message: str, kind: str, referral: Referral | None = None):
        super().__init__(message, referral=referral)
        self.kind = kind


@transaction.atomic
def referral_young_person_answer(*, token: str, answer: str) -> Referral:
    """The young person confirms their interest (``answer="confirm"``) or withdraws
    (``"withdraw"``) through their link, once. Raises LinkError."""
    from tremplin.referrals.links import read_token

    referral = read_token(token)  # raises LinkError: forged, expired, revoked, used
    locked = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    if locked.link_used_at is not None or locked.link_nonce != referral.link_nonce:
        raise LinkError("Ce lien a déjà été utilisé.", "used", locked)
    if not locked.is_active:
        raise LinkError("Cette orientation est close : il n'y a plus rien à confirmer.", "closed", locked)
    now = clock.now()
    if answer == "withdraw":
        locked = referral_transition(
            referral=locked,
            action=Action.WITHDRAW,
            user=None,
            membership=None,
            side=Side.YOUNG_PERSON,
            reason=WithdrawalReason.NO_LONGER_INTERESTED,
        )
    elif answer == "confirm":
        event = _event(
            locked, Action.CONFIRM_INTEREST, side=Side.YOUNG_PERSON, user=None, membership=None, now=now
        )
        notifications.notify_event(referral=locked, event=event)
    else:
        raise ValueError(f"unknown answer {answer!r}")
    locked.link_used_at = now
    locked.save(update_fields=["link_used_at", "updated_at"])
    return locked
