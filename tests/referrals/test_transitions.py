"""The transitions table through ``referral_transition``: every allowed transition succeeds with its
event and timestamps, every other (status, action) pair is refused with a French message and writes
nothing, and each side may only do its own actions."""

import datetime

import pytest
from django.utils import timezone

from tests.referrals.factories import ReferralFactory
from tremplin.referrals import clock
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.models import Referral, ReferralEvent
from tremplin.referrals.services import ReferralTransitionError, referral_transition
from tremplin.referrals.transitions import TRANSITIONS

S = ReferralStatus


def data_for(action):
    return {
        "plan_meeting": {"meeting_at": clock.now() + datetime.timedelta(days=3), "meeting_place": "Salle 4"},
        "refuse": {"reason": "session_full"},
        "complete": {"outcome": "partial"},
        "withdraw": {"reason": "other_solution"},
    }.get(action, {})


def actor_for(action, counsellor, referent):
    sides = TRANSITIONS[action].sides
    if Side.ML in sides:
        return {"user": counsellor, "membership": counsellor.memberships.get()}
    if Side.CNAM in sides:
        return {"user": referent, "membership": referent.memberships.get()}
    return {"user": None, "membership": None}


ALLOWED = sorted((status, action) for action, t in TRANSITIONS.items() for status in t.sources)
FORBIDDEN = sorted(
    (status, action) for action, t in TRANSITIONS.items() for status in S.values if status not in t.sources
)


def test_the_table_is_the_design_lifecycle():
    assert set(TRANSITIONS) == {
        "acknowledge",
        "plan_meeting",
        "admit",
        "refuse",
        "enroll",
        "complete",
        "drop_out",
        "withdraw",
        "expire",
    }
    targets = {t.target for t in TRANSITIONS.values()}
    assert targets | {S.SENT} == set(S)
    # Refusal and withdrawal are possible from any open state before the entry, never after.
    before_entry = {S.SENT, S.ACKNOWLEDGED, S.MEETING_PLANNED, S.ADMITTED}
    assert TRANSITIONS["refuse"].sources == before_entry
    assert TRANSITIONS["withdraw"].sources == before_entry
    assert TRANSITIONS["expire"].sides == {Side.SYSTEM}


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_every_allowed_transition(status, action, person, session, counsellor, referent):
    referral = ReferralFactory(young_person=person, session=session, status=status)
    before = ReferralEvent.objects.filter(referral=referral).count()

    updated = referral_transition(
        referral=referral, action=action, **actor_for(action, counsellor, referent), **data_for(action)
    )

    rule = TRANSITIONS[action]
    updated.refresh_from_db()
    assert updated.status == rule.target
    for stamp in rule.stamps:
        assert getattr(updated, stamp) is not None
    event = ReferralEvent.objects.filter(referral=referral).latest("pk")
    assert ReferralEvent.objects.filter(referral=referral).count() == before + 1
    assert (event.action, event.from_status, event.to_status) == (action, status, rule.target)


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_every_forbidden_transition_is_refused_and_writes_nothing(
    status, action, person, session, counsellor, referent
):
    referral = ReferralFactory(young_person=person, session=session, status=status)
    events = ReferralEvent.objects.count()

    with pytest.raises(ReferralTransitionError) as refused:
        referral_transition(
            referral=referral, action=action, **actor_for(action, counsellor, referent), **data_for(action)
        )

    assert str(refused.value).startswith(("Impossible de ", "Impossible d'"))
    assert Referral.objects.get(pk=referral.pk).status == status
    assert ReferralEvent.objects.count() == events


@pytest.mark.parametrize(
    ("action", "who", "message"),
    [
        ("acknowledge", "counsellor", "Seul le Cnam peut prendre en charge"),
        ("admit", "manager", "Seul le Cnam peut prononcer l'admission"),
        ("withdraw", "referent", "Seule la mission locale"),
        ("expire", "referent", "n'expire qu'automatiquement"),
        ("expire", "counsellor", "n'expire qu'automatiquement"),
    ],
)
def test_each_side_does_only_its_own_actions(action, who, message, request, referral):
    user = request.getfixturevalue(who)
    with pytest.raises(ReferralTransitionError, match=message):
        referral_transition(
            referral=referral, action=action, user=user, membership=user.memberships.get(), **data_for(action)
        )
    assert Referral.objects.get(pk=referral.pk).status == S.SENT


def test_unknown_action(referral, referent):
    with pytest.raises(ReferralTransitionError, match="Action inconnue"):
        referral_transition(
            referral=referral, action="teleport", user=referent, membership=referent.memberships.get()
        )


def test_a_stale_object_cannot_apply_a_transition_twice(referral, referent):
    """Two referents click "take charge" on the same page: the second is told, nothing is doubled."""
    membership = referent.memberships.get()
    stale = Referral.objects.get(pk=referral.pk)
    referral_transition(referral=referral, action="acknowledge", user=referent, membership=membership)

    with pytest.raises(ReferralTransitionError, match="l'orientation est « prise en charge »"):
        referral_transition(referral=stale, action="acknowledge", user=referent, membership=membership)
    assert ReferralEvent.objects.filter(referral=referral, action="acknowledge").count() == 1


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("plan_meeting", {"meeting_at": None}, "meeting_at", "Indiquez la date"),
        (
            "plan_meeting",
            {"meeting_at": "past", "meeting_place": "Salle 1"},
            "meeting_at",
            "date de l'entretien est passée",
        ),
        ("plan_meeting", {"meeting_at": "future"}, "meeting_place", "lieu de l'entretien ou le lien"),
        (
            "plan_meeting",
            {"meeting_at": "future", "meeting_url": "javascript:alert(1)"},
            "meeting_url",
            "https://",
        ),
        ("refuse", {}, "reason", "Un refus demande un motif"),
        ("refuse", {"reason": "other"}, "detail", "Précisez le motif"),
        ("refuse", {"reason": "whim"}, "reason", "Motif inconnu"),
        (
            "refuse",
            {"reason": "level", "comment": "x" * 10_000},
            "comment",
            "10\u202f000 caractères ; 5\u202f000 au plus",
        ),
        ("refuse", {"reason": "level", "comment": "<b>non</b>"}, "comment", "balises HTML"),
    ],
)
def test_bad_data_is_refused_with_the_field_and_nothing_is_stored(
    action, data, field, message, person, session, referent
):
    referral = ReferralFactory(young_person=person, session=session, acknowledged=True)
    now = clock.now()
    data = {
        k: {"past": now - datetime.timedelta(hours=1), "future": now + datetime.timedelta(days=1)}.get(v, v)
        if isinstance(v, str)
        else v
        for k, v in data.items()
    }
    with pytest.raises(ReferralTransitionError, match=message) as refused:
        referral_transition(
            referral=referral, action=action, user=referent, membership=referent.memberships.get(), **data
        )
    assert refused.value.field == field
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.status == S.ACKNOWLEDGED and fresh.refusal_reason == "" and fresh.meeting_at is None


def test_enrolment_date_cannot_be_in_the_future(person, session, referent):
    referral = ReferralFactory(young_person=person, session=session, admitted=True)
    with pytest.raises(ReferralTransitionError, match="dans le futur"):
        referral_transition(
            referral=referral,
            action="enroll",
            user=referent,
            membership=referent.memberships.get(),
            entry_date=timezone.localdate() + datetime.timedelta(days=2),
        )


def test_the_first_cnam_actor_becomes_the_referent_and_deadlines_restart(referral, referent, regional):
    assert referral.referent is None
    later = clock.now() + datetime.timedelta(days=2)
    with clock.frozen(later):
        referral_transition(
            referral=referral, action="acknowledge", user=regional, membership=regional.memberships.get()
        )
    referral.refresh_from_db()
    assert referral.referent == regional
    assert referral.awaiting_cnam_since == later and referral.acknowledged_at == later

    meeting = later + datetime.timedelta(days=4)
    with clock.frozen(later):
        referral_transition(
            referral=referral,
            action="plan_meeting",
            user=referent,
            membership=referent.memberships.get(),
            meeting_at=meeting,
            meeting_url="https://visio.example.fr/abc",
        )
    referral.refresh_from_db()
    assert referral.referent == regional  # who took it stays
    assert referral.awaiting_cnam_since == meeting  # the Cnam owes a decision once the meeting is past
