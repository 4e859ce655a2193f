"""The lists, the inbox, the referral page and the home pages run a bounded number of queries,
whatever the number of referrals."""

import pytest
from django.urls import reverse

from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.referrals import clock
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.models import ReferralMessage


def many(net, counsellor, n):
    statuses = list(ReferralStatus)
    sessions = [cnam_session(net["site"], title=f"Formation {i}") for i in range(3)]
    for i in range(n):
        person = YoungPersonFactory(
            mission_locale=net["ml"], counsellor=counsellor, home_commune=net["rodez"]
        )
        referral = ReferralFactory(
            young_person=person, session=sessions[i % 3], status=statuses[i % len(statuses)]
        )
        ReferralMessage.objects.create(
            referral=referral, author=counsellor, side=Side.ML, body="Bonjour", created_at=clock.now()
        )


@pytest.mark.parametrize(
    ("who", "url_name", "limit"),
    [
        ("counsellor", "referrals:list", 10),
        ("referent", "referrals:inbox", 9),
        ("regional", "referrals:inbox", 9),
    ],
)
def test_list_pages(who, url_name, limit, request, login, net, counsellor, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client = login(user)
    many(net, counsellor, 3)
    with django_assert_max_num_queries(limit):
        small = client.get(reverse(url_name), {"status": ""})
    many(net, counsellor, 40)
    with django_assert_max_num_queries(limit):
        large = client.get(reverse(url_name), {"status": ""})
    assert small.status_code == large.status_code == 200
    assert "43 orientations" in large.content.decode()


def test_referral_page(login, net, counsellor, referent, person, session, django_assert_max_num_queries):
    referral = ReferralFactory(young_person=person, session=session, acknowledged=True)
    for _ in range(30):
        ReferralMessage.objects.create(
            referral=referral, author=counsellor, side=Side.ML, body="x", created_at=clock.now()
        )
    client = login(referent)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200


@pytest.mark.parametrize("who", ["counsellor", "referent"])
def test_home_pages(who, request, login, net, counsellor, django_assert_max_num_queries):
    client = login(request.getfixturevalue(who))
    many(net, counsellor, 20)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("pages:home")).status_code == 200
