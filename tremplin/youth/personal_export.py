"""Everything Tremplin holds about one young person, as one JSON document (right of access, GDPR
art. 15): ``export_personal_data ID`` and the ML manager's button on the record page. The keys are
described in docs/personal-data.md; the values are those stored, labels in French beside codes."""

from __future__ import annotations

import datetime
import json

from django.db import transaction
from django.utils import timezone

from tremplin.referrals.models import OutboxEmail, Referral
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPerson
from tremplin.youth.services import young_person_access_log

FORMAT = "tremplin-donnees-personnelles/1"


def _when(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"name": user.get_full_name(), "email": user.email}


def _org(organisation) -> dict | None:
    return None if organisation is None else {"id": organisation.pk, "name": organisation.name}


def personal_data(person: YoungPerson) -> dict:
    """The document; a bounded number of queries whatever the number of referrals."""
    person = (
        YoungPerson.objects.select_related(
            "home_commune", "mission_locale", "counsellor", "consent_recorded_by", "created_by"
        )
        .prefetch_related("interests")
        .get(pk=person.pk)
    )
    referrals = list(
        Referral.objects.filter(young_person=person)
        .select_related("site", "mission_locale", "sender", "referent", "session__action__training")
        .prefetch_related(
            "events__actor", "events__organisation", "messages__author", "messages__organisation"
        )
        .order_by("sent_at", "pk")
    )
    emails = OutboxEmail.objects.filter(referral__young_person=person, user__isnull=True).order_by(
        "created_at", "pk"
    )
    accesses = person.accesses.select_related("user", "organisation").order_by("accessed_at", "pk")
    return {
        "format": FORMAT,
        "generated_at": _when(timezone.now()),
        "notice": (
            "Toutes les données que Tremplin conserve sur cette personne : sa fiche, son accord de "
            "transmission au Cnam, ses orientations avec leur historique et leurs messages, les courriels "
            "qui lui ont été envoyés et le journal des consultations de sa fiche. Les clés sont décrites "
            "dans la documentation de Tremplin (docs/personal-data.md)."
        ),
        "young_person": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "birth_date": _when(person.birth_date),
            "email": person.email,
            "phone": person.phone,
            "home_commune": {"insee_code": person.home_commune_id, "name": person.home_commune.name},
            "education_level": person.education_level,
            "education_level_label": person.get_education_level_display(),
            "has_bac": person.has_bac,
            "interests": [{"code": f.code, "label": f.label} for f in person.interests.all()],
            "interests_text": person.interests_text,
            "max_travel_km": person.max_travel_km,
            "distance_learning_ok": person.distance_learning_ok,
            "preferred_start": _when(person.preferred_start),
            "programme": person.programme,
            "programme_label": person.get_programme_display(),
            "accessibility_consent": person.accessibility_consent,
            "accessibility_note": person.accessibility_note,
            "mission_locale": _org(person.mission_locale),
            "counsellor": _user(person.counsellor),
            "created_by": _user(person.created_by),
            "created_at": _when(person.created_at),
            "updated_at": _when(person.updated_at),
            "archived_at": _when(person.archived_at),
            "anonymised_at": _when(person.anonymised_at),
            "anonymisation_reason": person.anonymisation_reason,
        },
        "consent": {
            "given_at": _when(person.consent_given_at),
            "recorded_by": _user(person.consent_recorded_by),
            "purpose": person.consent_purpose,
        },
        "referrals": [_referral(r) for r in referrals],
        "emails_to_young_person": [
            {
                "created_at": _when(e.created_at),
                "sent_at": _when(e.sent_at),
                "to": e.to,
                "subject": e.subject,
                "body": e.body,
            }
            for e in emails
        ],
        "access_log": [
            {
                "accessed_at": _when(a.accessed_at),
                "user": _user(a.user),
                "organisation": _org(a.organisation),
                "action": a.action,
                "action_label": a.get_action_display(),
            }
            for a in accesses
        ],
    }


def _referral(r: Referral) -> dict:
    return {
        "id": r.pk,
        "status": r.status,
        "status_label": r.get_status_display(),
        "training": r.session.action.training.title if r.session_id else None,
        "session": r.session_id,
        "site": _org(r.site),
        "mission_locale": _org(r.mission_locale),
        "sender": _user(r.sender),
        "referent": _user(r.referent),
        "redirected_from": r.redirected_from_id,
        "sent_at": _when(r.sent_at),
        "acknowledged_at": _when(r.acknowledged_at),
        "meeting_planned_at": _when(r.meeting_planned_at),
        "meeting_at": _when(r.meeting_at),
        "meeting_place": r.meeting_place,
        "meeting_url": r.meeting_url,
        "decided_at": _when(r.decided_at),
        "enrolled_at": _when(r.enrolled_at),
        "entry_date": _when(r.entry_date),
        "ended_at": _when(r.ended_at),
        "refusal_reason": r.refusal_reason,
        "withdrawal_reason": r.withdrawal_reason,
        "outcome": r.outcome,
        "reason_label": r.reason_label,
        "reason_detail": r.reason_detail,
        "young_person_notified": r.young_person_notified,
        "events": [
            {
                "created_at": _when(e.created_at),
                "action": e.action,
                "action_label": e.get_action_display(),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "side": e.side,
                "actor": _user(e.actor),
                "organisation": _org(e.organisation),
                "reason": e.reason,
                "comment": e.comment,
            }
            for e in r.events.all()
        ],
        "messages": [
            {
                "created_at": _when(m.created_at),
                "side": m.side,
                "author": _user(m.author),
                "organisation": _org(m.organisation),
                "body": m.body,
            }
            for m in r.messages.all()
        ],
    }


def personal_data_json(person: YoungPerson) -> str:
    """UTF-8 friendly (accents kept as they are) and indented: a person can read it."""
    return json.dumps(personal_data(person), ensure_ascii=False, indent=2) + "\n"


@transaction.atomic
def personal_data_export(person: YoungPerson, *, user=None, organisation=None) -> str:
    """The document, its export logged first so that it shows in the document's own access log."""
    young_person_access_log(
        young_person=person, user=user, organisation=organisation, action=AccessAction.EXPORT
    )
    return personal_data_json(person)


def export_filename(person: YoungPerson) -> str:
    return f"tremplin-donnees-jeune-{person.pk}-{timezone.localdate():%Y-%m-%d}.json"
