"""Who sees which referral: the mission locale its own, a Cnam site those addressed to it, a regional
centre its region's; steering and anyone else nothing. Out of scope is a 404, never a leak."""

import pytest
from django.urls import reverse

from tests.factories import CnamSiteFactory, MissionLocaleFactory, member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.youth.models import YoungPersonAccess


@pytest.fixture
def elsewhere(net):
    """A referral of another mission locale to a site of another region."""
    other_centre = CnamSiteFactory(regional_centre=True, name="Cnam Bretagne")
    other_site = CnamSiteFactory(parent=other_centre, name="Cnam Lannion")
    person = YoungPersonFactory(mission_locale=MissionLocaleFactory())
    return ReferralFactory(young_person=person, session=cnam_session(other_site, title="Réseaux"))


@pytest.fixture
def to_millau(net, person):
    return ReferralFactory(young_person=person, session=cnam_session(net["other_site"], title="Comptabilité"))


def visible(user):
    return set(Referral.objects.visible_to(user.memberships.get()).values_list("pk", flat=True))


def test_visibility_by_role(
    net, referral, to_millau, elsewhere, counsellor, manager, referent, other_referent, regional, steering
):
    assert visible(counsellor) == visible(manager) == {referral.pk, to_millau.pk}
    assert visible(referent) == {referral.pk}
    assert visible(other_referent) == {to_millau.pk}
    assert visible(regional) == {referral.pk, to_millau.pk}
    assert visible(steering) == set()
    # A referent attached to the regional centre itself sees the centre's sites too.
    centre_referent = member(Role.CNAM_REFERENT, net["centre"])
    assert visible(centre_referent) == {referral.pk, to_millau.pk}
    assert Referral.objects.visible_to(None).count() == 0


@pytest.mark.parametrize("who", ["stranger_counsellor", "other_referent", "steering"])
def test_out_of_scope_is_a_404_everywhere(who, request, login, referral):
    user = (
        member(Role.COUNSELLOR, MissionLocaleFactory())
        if who == "stranger_counsellor"
        else request.getfixturevalue(who)
    )
    client = login(user)
    urls = [
        ("get", reverse("referrals:detail", args=[referral.pk])),
        ("post", reverse("referrals:action", args=[referral.pk, "acknowledge"])),
        ("post", reverse("referrals:action", args=[referral.pk, "withdraw"])),
        ("post", reverse("referrals:message", args=[referral.pk])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, {"withdraw-reason": "other_solution", "body": "Bonjour"})
        assert response.status_code in (403, 404), url
        if who != "steering":
            assert response.status_code == 404, url
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert not referral.messages.exists()
    assert not YoungPersonAccess.objects.filter(user=user).exists()


def test_pages_by_side(login, client, counsellor, referent, steering, person):
    ml = login(counsellor)
    assert ml.get(reverse("referrals:list")).status_code == 200
    assert ml.get(reverse("referrals:inbox")).status_code == 403
    client.logout()
    cnam = login(referent)
    assert cnam.get(reverse("referrals:inbox")).status_code == 200
    assert cnam.get(reverse("referrals:list")).status_code == 403
    assert cnam.get(f"{reverse('referrals:create')}?person={person.pk}").status_code == 403
    client.logout()
    pilot = login(steering)
    for name in ("referrals:list", "referrals:inbox", "referrals:create", "referrals:preferences"):
        assert pilot.get(reverse(name)).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, referral):
    response = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 302 and "/compte/" in response.url


def test_reading_a_referral_logs_the_read_of_the_record(login, referent, referral):
    login(referent).get(reverse("referrals:detail", args=[referral.pk]))
    access = YoungPersonAccess.objects.get()
    assert (access.young_person, access.user, access.organisation_id) == (
        referral.young_person,
        referent,
        referral.site_id,
    )


def test_the_cnam_sees_no_personal_data_once_consent_is_withdrawn(login, referent, referral):
    person = referral.young_person
    person.consent_given_at = None
    person.save()
    page = login(referent).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert person.email not in page and "a été retiré" in page


def test_nav_and_home_pages(login, client, counsellor, referent, referral, person, session):
    ml_home = login(counsellor).get(reverse("pages:home")).content.decode()
    assert f'href="{reverse("referrals:list")}"' in ml_home and ">Orientations</a>" in ml_home
    assert "En cours : 1" in ml_home
    client.logout()
    cnam_home = login(referent).get(reverse("pages:home")).content.decode()
    assert ">Orientations reçues</a>" in cnam_home
    assert "À traiter (1)" in cnam_home and f"{reverse('referrals:inbox')}?status=to_act" in cnam_home


def test_operators_read_referrals_and_the_outbox_in_the_admin(login, referral):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client = login(staff)
    for url in (
        reverse("admin:referrals_referral_changelist"),
        reverse("admin:referrals_referral_change", args=[referral.pk]),
        reverse("admin:referrals_outboxemail_changelist"),
        reverse("admin:referrals_notificationpreference_changelist"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert referral.young_person.last_name not in page.content.decode(), url  # a number, not a name
