"""The referrals demo step: referrals in several statuses for the demo counsellor and referent, no
email, and nothing doubled when it runs again."""

import io

from django.core import mail

from tests.factories import member
from tests.youth.factories import cnam_session
from tremplin.accounts.enums import Role
from tremplin.referrals import demo
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral


def demo_accounts(net):
    counsellor = member(Role.COUNSELLOR, net["ml"], email="conseiller@demo.tremplin.fr")
    referent = member(Role.CNAM_REFERENT, net["site"], email="referent@demo.tremplin.fr")
    return counsellor, referent


def test_demo_referrals_in_several_statuses_once(net, django_capture_on_commit_callbacks):
    counsellor, referent = demo_accounts(net)
    cnam_session(net["site"], title="Développeur web")
    cnam_session(net["other_site"], title="Comptabilité")
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=out)
        demo.load(stdout=out)

    referrals = Referral.objects.all()
    assert referrals.count() == len(demo.STORIES)
    assert set(referrals.values_list("status", flat=True)) == {
        ReferralStatus.SENT,
        ReferralStatus.MEETING_PLANNED,
        ReferralStatus.ADMITTED,
        ReferralStatus.ENROLLED,
        ReferralStatus.COMPLETED,
        ReferralStatus.REFUSED,
    }
    assert set(referrals.values_list("site", flat=True)) == {net["site"].pk}
    assert referrals.filter(session__isnull=True).count() == 1  # the positioning meeting
    assert referrals.late().exists()
    assert all(r.referent in (None, referent) and r.sender == counsellor for r in referrals)
    assert mail.outbox == []
    assert f"{len(demo.STORIES)} orientation(s) de démonstration créée(s)" in out.getvalue()
    assert f"{len(demo.STORIES)} déjà présente(s)" in out.getvalue()


def test_without_sessions_the_demo_refers_to_the_site(net):
    demo_accounts(net)
    demo.load(stdout=io.StringIO())
    assert Referral.objects.filter(session__isnull=False).count() == 0
    assert Referral.objects.count() == len(demo.STORIES)


def test_without_the_demo_accounts_the_step_says_so(net):
    out = io.StringIO()
    demo.load(stdout=out)
    assert "Comptes de démonstration absents" in out.getvalue() and not Referral.objects.exists()
