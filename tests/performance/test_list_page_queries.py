"""Every list page of the UI runs the same number of SQL queries with a few rows and with many.

Pages already checked elsewhere (not repeated here): the referral list of a counsellor and the Cnam
inbox of a referent and of a regional administrator, the counsellor's and the referent's home
(tests/referrals/test_queries.py); the young people list, first page (tests/youth/test_views.py);
the record page against the catalogue's size (tests/youth/test_record_page.py); the catalogue
(tests/catalog/test_views.py); the steering dashboards, their export and the reach page
(tests/stats/test_queries.py); the API lists of sites, trainings, sessions, young people and
referrals (tests/api/test_queries.py); the commune autocomplete (tests/territories/test_lookup.py).

Each test here reads a page once with a few rows of everything the page lists, then again after
adding many more, and compares the two counts: a query per row (N+1) shows as a difference.
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory, member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.api.models import Webhook, WebhookDelivery
from tremplin.api.services import api_token_create
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.models import ReferralEvent, ReferralMessage
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPersonAccess

FEW, MANY = 2, 14
_serial = itertools.count()


def queries(client, url: str) -> int:
    return read(client, url)[0]


def read(client, url: str) -> tuple[int, int]:
    """(SQL queries, length of the page)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), len(response.content)


@pytest.fixture
def world(net, counsellor, manager, referent, regional, person):
    webhook = Webhook.objects.create(
        organisation=net["ml"], url="https://si.ml.example.fr/tremplin", secret="s" * 64, created_by=manager
    )
    return {
        "net": net,
        "counsellor": counsellor,
        "manager": manager,
        "referent": referent,
        "regional": regional,
        "person": person,
        "webhook": webhook,
        "training": cnam_session(net["site"], title="Formation suivie").action.training,
    }


def grow(world, n: int) -> None:
    """n more of every row a list page shows: young people, sessions (of the followed training and
    of both sites), referrals in every status with events and messages (several to the followed
    person), members of each organisation, API tokens, webhook deliveries, record reads."""
    net, statuses = world["net"], list(ReferralStatus)
    for k in range(n):
        i = next(_serial)
        site = net["site"] if i % 2 or k == 0 else net["other_site"]
        session = cnam_session(site, title=f"Formation {i}", rome="M1805")
        cnam_session(site, title=f"Autre {i}")
        extra = cnam_session(net["site"], title=f"Session suivie {i}")
        extra.action.training = world["training"]
        extra.action.save()
        colleague = member(Role.COUNSELLOR, net["ml"], email=f"collegue{i}@ml.example.fr")
        member(Role.CNAM_REFERENT, net["site"], email=f"referent{i}@cnam.example.fr")
        member(Role.CNAM_REFERENT, net["other_site"], email=f"millau{i}@cnam.example.fr")
        young = YoungPersonFactory(
            mission_locale=net["ml"],
            counsellor=world["counsellor"] if i % 3 else colleague,
            home_commune=net["rodez"],
            last_name=f"Nom{i}",
        )
        referral = ReferralFactory(
            young_person=young,
            session=session,
            # The first of each batch is late for the Cnam, so that "late only" lists it.
            status=ReferralStatus.SENT if k == 0 else statuses[i % len(statuses)],
            sent_at=timezone.now() - datetime.timedelta(days=15 if k == 0 else i % 20),
        )
        ReferralFactory(young_person=world["person"], session=session, sender=colleague)
        for side, author in ((Side.ML, world["counsellor"]), (Side.CNAM, world["referent"])):
            ReferralMessage.objects.create(
                referral=referral, author=author, side=side, body="Bonjour", created_at=timezone.now()
            )
        event = ReferralEvent.objects.filter(referral=referral).first()
        WebhookDelivery.objects.create(
            webhook=world["webhook"], event=event, uuid=f"00000000-0000-0000-0000-{i:012d}", payload={}
        )
        api_token_create(organisation=net["ml"], name=f"outil {i}", created_by=world["manager"])
        api_token_create(organisation=net["centre"], name=f"outil régional {i}", created_by=world["regional"])
        YoungPersonAccess.objects.create(
            young_person=world["person"],
            user=colleague,
            organisation=net["ml"],
            action=AccessAction.VIEW,
        )


def same_count(client, world, url: str, *, lists_rows=True) -> tuple[int, int]:
    client.get(url)  # per-process caches (indexes, referentials) are not the page's cost
    grow(world, FEW)
    few, few_length = read(client, url)
    grow(world, MANY)
    many, many_length = read(client, url)
    if lists_rows:  # the page did list the new rows: the comparison means something
        assert many_length > few_length + 300, (url, few_length, many_length)
    return few, many


PAGES = [
    # (who, url) — a url may name the world's rows: {person}, {training}, {webhook}, {site}, {ml}
    ("counsellor", "/jeunes/?scope=ml"),
    ("counsellor", "/jeunes/?scope=mine&q=nom"),
    ("counsellor", "/jeunes/{person}/"),
    ("counsellor", "/orientations/?status=&counsellor={counsellor}"),
    ("counsellor", "/orientations/nouvelle/"),
    ("counsellor", "/orientations/nouvelle/?q=nom"),
    ("counsellor", "/reseau/organisations/{ml}/"),
    ("referent", "/reseau/organisations/{site}/"),
    ("counsellor", "/formations/{training}/"),
    ("manager", "/"),
    ("manager", "/jeunes/"),
    ("manager", "/orientations/"),
    ("manager", "/acces-api/"),
    ("manager", "/acces-api/webhooks/{webhook}/"),
    ("referent", "/orientations/recues/?late=on"),
    ("referent", "/formations/sessions/"),
    ("referent", "/formations/sessions/?passees=1"),
    ("regional", "/"),
    ("regional", "/orientations/recues/?site={site_pk}"),
    ("regional", "/formations/sessions/"),
    ("regional", "/acces-api/"),
]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_list_page_query_count_does_not_grow(world, login, who, url):
    client = login(world[who])
    url = url.format(
        person=world["person"].pk,
        counsellor=world["counsellor"].pk,
        training=world["training"].pk,
        webhook=world["webhook"].pk,
        site=world["net"]["site"].code,
        site_pk=world["net"]["site"].pk,
        ml=world["net"]["ml"].code,
    )
    few, many = same_count(client, world, url, lists_rows=url != "/")
    assert many == few, f"{url}: {few} queries with a few rows, {many} with many"


def test_referral_page_query_count_does_not_grow_with_its_thread(world, login):
    net = world["net"]
    referral = ReferralFactory(
        young_person=world["person"], session=cnam_session(net["site"]), acknowledged=True
    )

    def talk(n):
        for _ in range(n):
            for side, author in ((Side.ML, world["counsellor"]), (Side.CNAM, world["referent"])):
                ReferralMessage.objects.create(
                    referral=referral,
                    author=author,
                    side=side,
                    body="Où en est-on ?",
                    created_at=timezone.now(),
                )
                ReferralEvent.objects.create(
                    referral=referral,
                    action="remind",
                    side=side,
                    actor=author,
                    organisation_id=net["ml"].pk if side == Side.ML else net["site"].pk,
                    created_at=timezone.now(),
                )

    client = login(world["referent"])
    url = f"/orientations/{referral.pk}/"
    client.get(url)
    talk(FEW)
    few, short = queries(client, url), len(client.get(url).content)
    talk(MANY)
    assert queries(client, url) == few
    assert len(client.get(url).content) > short  # the thread really is on the page


@pytest.mark.parametrize("who", ["steering", "staff"])
def test_steering_and_staff_home_pages(world, login, who):
    user = (
        member(Role.STEERING, world["net"]["steering"]) if who == "steering" else UserFactory(is_staff=True)
    )
    few, many = same_count(login(user), world, "/", lists_rows=False)
    assert many == few


def test_a_member_of_many_organisations_lists_them_in_a_fixed_number_of_queries(world, login):
    counsellor, net = world["counsellor"], world["net"]
    client = login(counsellor)
    urls = ["/compte/", "/compte/organisation/", "/"]
    before = [queries(client, url) for url in urls]
    for organisation in (net["other_ml"], net["site"], net["other_site"], net["centre"]):
        MembershipFactory(user=counsellor, organisation=organisation, role=Role.COUNSELLOR)
    assert [queries(client, url) for url in urls] == before


@pytest.mark.parametrize("who", ["ml", "site"])
def test_api_referral_events_query_count_does_not_grow(world, who):
    net = world["net"]
    referral = ReferralFactory(young_person=world["person"], session=cnam_session(net["site"]))
    raw = api_token_create(organisation=net[who], name="outil")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/referrals/{referral.pk}/events/"
    client.get(url)

    def steps(n):
        for _ in range(n):
            ReferralEvent.objects.create(
                referral=referral,
                action="send",
                side=Side.CNAM,
                actor=world["referent"],
                organisation_id=net["site"].pk,
                created_at=timezone.now() + datetime.timedelta(seconds=next(_serial)),
            )

    steps(FEW)
    few, shown = queries(client, url), len(client.get(url).json())
    steps(MANY)
    assert queries(client, url) == few
    assert len(client.get(url).json()) > shown
