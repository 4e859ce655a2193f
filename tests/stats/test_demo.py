"""The dashboards' demo step: plausible referrals across France, none visible to a demo account."""

import datetime
import io
import random

from django.utils import timezone

from tests.factories import (
    CnamSiteFactory,
    DepartmentFactory,
    MembershipFactory,
    MissionLocaleFactory,
    RegionFactory,
    UserFactory,
)
from tests.stats.factories import commune
from tremplin.accounts.enums import Role
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.stats import demo
from tremplin.stats.models import Refresh

S = ReferralStatus


def test_lifecycle_dates_follow_each_other_and_match_the_status():
    rng = random.Random(1)
    now = timezone.now()
    seen = set()
    for _ in range(3000):
        sent = now - datetime.timedelta(days=rng.uniform(0, 700))
        steps = demo.lifecycle(rng, sent, now)
        status = steps["status"]
        seen.add(status)
        dates = [
            steps.get(k)
            for k in ("acknowledged_at", "meeting_planned_at", "decided_at", "enrolled_at", "ended_at")
        ]
        present = [d for d in dates if d is not None]
        assert all(sent <= d <= now for d in present)
        assert present == sorted(present)
        assert (status in (S.ENROLLED, S.COMPLETED, S.DROPPED_OUT)) == ("enrolled_at" in steps)
        assert (status == S.REFUSED) == bool(steps.get("refusal_reason"))
        assert (status == S.COMPLETED) == bool(steps.get("outcome"))
        assert ("ended_at" in steps) == (
            status in (S.COMPLETED, S.DROPPED_OUT, S.REFUSED, S.WITHDRAWN, S.EXPIRED)
        )
    assert seen == set(S)


def test_demo_step_fills_france_but_not_the_demo_accounts_lists(monkeypatch):
    monkeypatch.setattr(demo, "YOUNG_PEOPLE", 60)
    monkeypatch.setattr(demo, "REFERRALS", 150)
    region = RegionFactory(code="76")
    north, south = DepartmentFactory(code="12", region=region), DepartmentFactory(code="81", region=region)
    a, b = (
        commune("12202", "Rodez", north, 24_000, 44.35, 2.57),
        commune("81004", "Albi", south, 49_000, 43.93, 2.15),
    )
    demo_ml, other_ml = MissionLocaleFactory(commune=a), MissionLocaleFactory(commune=b)
    centre = CnamSiteFactory(regional_centre=True, commune=b)
    demo_site, other_site = (
        CnamSiteFactory(parent=centre, commune=a),
        CnamSiteFactory(regional_centre=True, commune=a),
    )
    for local_part, role, organisation in (
        ("conseiller", Role.COUNSELLOR, demo_ml),
        ("referent", Role.CNAM_REFERENT, demo_site),
    ):
        MembershipFactory(
            user=UserFactory(email=f"{local_part}@demo.tremplin.fr"), organisation=organisation, role=role
        )
    out = io.StringIO()
    demo.load(stdout=out)
    referrals = Referral.objects.all()
    assert referrals.count() == 150
    assert set(referrals.values_list("mission_locale_id", flat=True)) == {other_ml.pk}
    # The demo referent's regional centre and all its sites are left out.
    assert set(referrals.values_list("site_id", flat=True)) == {other_site.pk}
    assert not referrals.exclude(young_person__email__endswith="@stats.demo.tremplin.fr").exists()
    assert "150 orientations de démonstration créées" in out.getvalue()
    demo.load(stdout=io.StringIO())
    assert Referral.objects.count() == 150
    assert Refresh.objects.count() == 2
