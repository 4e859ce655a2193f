"""The table of allowed transitions, keyed by action name (DESIGN.md §6).

``tremplin.referrals.services.referral_transition`` is the only code that applies it; the pages, the
``referrals_tick`` command and the REST API all go through that service, so this table is the whole
truth about who may move a referral from where to where.
"""

from dataclasses import dataclass

from tremplin.referrals.enums import (
    ACTIVE_STATUSES,
    AWAITING_CNAM_STATUSES,
    Action,
    ReferralStatus,
    Side,
)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[ReferralStatus]
    target: ReferralStatus
    sides: frozenset[Side]
    # Step timestamps set to the transition's time (each stays as first set if the step repeats).
    stamps: tuple[str, ...]


def _t(action, sources, target, sides, *stamps) -> tuple[str, Transition]:
    return action.value, Transition(action, frozenset(sources), target, frozenset(sides), stamps)


S = ReferralStatus
TRANSITIONS: dict[str, Transition] = dict(
    [
        _t(Action.ACKNOWLEDGE, {S.SENT}, S.ACKNOWLEDGED, {Side.CNAM}, "acknowledged_at"),
        # From "meeting planned" again: the meeting is moved (new date, place or link).
        _t(
            Action.PLAN_MEETING,
            {S.ACKNOWLEDGED, S.MEETING_PLANNED},
            S.MEETING_PLANNED,
            {Side.CNAM},
            "meeting_planned_at",
        ),
        # Admission without a meeting is possible (distance learning, a file already complete).
        _t(Action.ADMIT, {S.ACKNOWLEDGED, S.MEETING_PLANNED}, S.ADMITTED, {Side.CNAM}, "decided_at"),
        _t(Action.REFUSE, ACTIVE_STATUSES, S.REFUSED, {Side.CNAM}, "decided_at", "ended_at"),
        _t(Action.ENROLL, {S.ADMITTED}, S.ENROLLED, {Side.CNAM}, "enrolled_at"),
        _t(Action.COMPLETE, {S.ENROLLED}, S.COMPLETED, {Side.CNAM}, "ended_at"),
        _t(Action.DROP_OUT, {S.ENROLLED}, S.DROPPED_OUT, {Side.CNAM}, "ended_at"),
        _t(Action.WITHDRAW, ACTIVE_STATUSES, S.WITHDRAWN, {Side.ML, Side.YOUNG_PERSON}, "ended_at"),
        _t(Action.EXPIRE, AWAITING_CNAM_STATUSES, S.EXPIRED, {Side.SYSTEM}, "ended_at"),
    ]
)
del S

TRANSITION_ACTIONS = tuple(TRANSITIONS)


def allowed_actions(status: str, side: Side | None) -> list[Transition]:
    """The transitions ``side`` may apply to a referral in ``status``, in the table's order."""
    return [t for t in TRANSITIONS.values() if status in t.sources and side in t.sides]
