"""Referrals in any status, with consistent step timestamps and events: ``ReferralFactory(admitted=True)``.

The factory writes rows directly (no notifications); tests of behaviour go through the services."""

import datetime

import factory
from django.utils import timezone

from tests.youth.factories import YoungPersonFactory
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.models import Referral, ReferralEvent

STEP_FIELDS = {
    ReferralStatus.ACKNOWLEDGED: ["acknowledged_at"],
    ReferralStatus.MEETING_PLANNED: ["acknowledged_at", "meeting_planned_at"],
    ReferralStatus.ADMITTED: ["acknowledged_at", "meeting_planned_at", "decided_at"],
    ReferralStatus.ENROLLED: ["acknowledged_at", "meeting_planned_at", "decided_at", "enrolled_at"],
    ReferralStatus.COMPLETED: [
        "acknowledged_at",
        "meeting_planned_at",
        "decided_at",
        "enrolled_at",
        "ended_at",
    ],
    ReferralStatus.DROPPED_OUT: [
        "acknowledged_at",
        "meeting_planned_at",
        "decided_at",
        "enrolled_at",
        "ended_at",
    ],
    ReferralStatus.REFUSED: ["acknowledged_at", "decided_at", "ended_at"],
    ReferralStatus.WITHDRAWN: ["ended_at"],
    ReferralStatus.EXPIRED: ["ended_at"],
}


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral
        skip_postgeneration_save = True

    young_person = factory.SubFactory(YoungPersonFactory)
    session = None
    site = factory.LazyAttribute(lambda o: o.session.action.cnam_site if o.session else None)
    mission_locale = factory.SelfAttribute("young_person.mission_locale")
    sender = factory.SelfAttribute("young_person.counsellor")
    status = ReferralStatus.SENT
    sent_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.SelfAttribute("sent_at")
    awaiting_cnam_since = factory.LazyAttribute(
        lambda o: o.sent_at
        if o.status in (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)
        else (o.meeting_at if o.status == ReferralStatus.MEETING_PLANNED else None)
    )
    meeting_at = factory.LazyAttribute(
        lambda o: o.sent_at + datetime.timedelta(days=7)
        if o.status
        not in (
            ReferralStatus.SENT,
            ReferralStatus.ACKNOWLEDGED,
            ReferralStatus.WITHDRAWN,
            ReferralStatus.EXPIRED,
        )
        else None
    )
    meeting_place = factory.LazyAttribute(lambda o: "Salle 2" if o.meeting_at else "")
    refusal_reason = factory.LazyAttribute(lambda o: "level" if o.status == ReferralStatus.REFUSED else "")
    withdrawal_reason = factory.LazyAttribute(
        lambda o: "other_solution" if o.status == ReferralStatus.WITHDRAWN else ""
    )
    outcome = factory.LazyAttribute(lambda o: "certified" if o.status == ReferralStatus.COMPLETED else "")
    entry_date = factory.LazyAttribute(
        lambda o: timezone.localdate(o.sent_at)
        if o.status in (ReferralStatus.ENROLLED, ReferralStatus.COMPLETED, ReferralStatus.DROPPED_OUT)
        else None
    )

    class Params:
        acknowledged = factory.Trait(status=ReferralStatus.ACKNOWLEDGED)
        meeting_planned = factory.Trait(status=ReferralStatus.MEETING_PLANNED)
        admitted = factory.Trait(status=ReferralStatus.ADMITTED)
        enrolled = factory.Trait(status=ReferralStatus.ENROLLED)
        completed = factory.Trait(status=ReferralStatus.COMPLETED)
        dropped_out = factory.Trait(status=ReferralStatus.DROPPED_OUT)
        refused = factory.Trait(status=ReferralStatus.REFUSED)
        withdrawn = factory.Trait(status=ReferralStatus.WITHDRAWN)
        expired = factory.Trait(status=ReferralStatus.EXPIRED)

    @factory.post_generation
    def steps(obj, create, extracted, **kwargs):
        if not create:
            return
        for name in STEP_FIELDS.get(obj.status, []):
            if getattr(obj, name) is None:
                setattr(obj, name, obj.sent_at)
        obj.save()
        ReferralEvent.objects.create(
            referral=obj,
            action="send",
            to_status=ReferralStatus.SENT,
            side=Side.ML,
            actor=obj.sender,
            organisation_id=obj.mission_locale_id,
            created_at=obj.sent_at,
        )
