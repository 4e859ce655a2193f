"""The lists' filters, the inbox's default view, the typical response time shown before sending,
who is told when the usual recipient is missing, and the email preference."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.referrals.enums import EmailFrequency
from tremplin.referrals.models import Notification, NotificationPreference
from tremplin.referrals.services import referral_send, referral_transition


def names(html):
    return {name for name in ("ALPHA", "BRAVO", "CHARLIE", "DELTA") if f"{name} " in html}


def test_ml_list_filters(login, net, counsellor, manager, referent):
    old = timezone.now() - datetime.timedelta(days=20)
    millau = cnam_session(net["other_site"], title="Comptabilité")
    rodez = cnam_session(net["site"], title="Paie")

    def person(last_name, sender):
        return YoungPersonFactory(last_name=last_name, mission_locale=net["ml"], counsellor=sender)

    ReferralFactory(young_person=person("Alpha", counsellor), session=rodez, sender=counsellor)
    ReferralFactory(young_person=person("Bravo", counsellor), session=millau, sender=counsellor, sent_at=old)
    ReferralFactory(young_person=person("Charlie", manager), session=rodez, sender=manager, refused=True)
    ReferralFactory(young_person=person("Delta", manager), session=rodez, sender=manager, enrolled=True)
    client = login(manager)
    url = reverse("referrals:list")

    assert names(client.get(url).content.decode()) == {"ALPHA", "BRAVO", "CHARLIE", "DELTA"}
    assert names(client.get(url, {"status": "active"}).content.decode()) == {"ALPHA", "BRAVO"}
    assert names(client.get(url, {"status": "to_act"}).content.decode()) == {"CHARLIE"}
    assert names(client.get(url, {"status": "enrolled"}).content.decode()) == {"DELTA"}
    assert names(client.get(url, {"late": "on"}).content.decode()) == {"BRAVO"}
    assert names(client.get(url, {"site": net["other_site"].pk}).content.decode()) == {"BRAVO"}
    assert names(client.get(url, {"counsellor": counsellor.pk}).content.decode()) == {"ALPHA", "BRAVO"}
    assert names(client.get(url, {"q": "charl"}).content.decode()) == {"CHARLIE"}
    late_page = client.get(url, {"late": "on"}).content.decode()
    assert "en retard" in late_page


def test_the_inbox_opens_on_what_awaits_the_cnam(login, net, referent, regional, counsellor):
    rodez, millau = cnam_session(net["site"], title="Paie"), cnam_session(net["other_site"], title="Compta")
    ReferralFactory(
        young_person=YoungPersonFactory(last_name="Alpha", mission_locale=net["ml"]), session=rodez
    )
    ReferralFactory(
        young_person=YoungPersonFactory(last_name="Bravo", mission_locale=net["ml"]),
        session=rodez,
        completed=True,
    )
    ReferralFactory(
        young_person=YoungPersonFactory(last_name="Charlie", mission_locale=net["ml"]), session=millau
    )

    site_inbox = login(referent).get(reverse("referrals:inbox")).content.decode()
    assert names(site_inbox) == {"ALPHA"} and "Nouvelles (1)" in site_inbox
    region = login(regional)
    assert names(region.get(reverse("referrals:inbox")).content.decode()) == {"ALPHA", "CHARLIE"}
    assert names(region.get(reverse("referrals:inbox"), {"status": ""}).content.decode()) == {
        "ALPHA",
        "BRAVO",
        "CHARLIE",
    }


def test_the_typical_response_time_is_shown_before_sending(login, net, counsellor, person, session):
    monday = datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC)
    for days in (1, 2, 7):  # answered after 1, 2 and 5 working days
        ReferralFactory(
            young_person=YoungPersonFactory(mission_locale=net["ml"]),
            session=session,
            acknowledged=True,
            sent_at=monday,
            acknowledged_at=monday + datetime.timedelta(days=days),
        )
    page = login(counsellor).get(f"{reverse('referrals:create')}?person={person.pk}&session={session.pk}")
    assert "Ce centre répond en général en 2 jours ouvrés (médiane de ses 3 dernières orientations)" in (
        page.content.decode()
    )


def test_a_site_without_referent_is_covered_by_its_regional_centre(
    net, counsellor, regional, person, django_capture_on_commit_callbacks
):
    session = cnam_session(net["other_site"], title="Compta")  # nobody works at the Millau site yet
    with django_capture_on_commit_callbacks(execute=True):
        referral_send(
            young_person=person, session=session, user=counsellor, membership=counsellor.memberships.get()
        )
    assert [m.to for m in mail.outbox] == [[regional.email]]


def test_when_the_sender_left_the_counsellor_or_the_managers_are_told(
    net, counsellor, manager, referent, person, session, django_capture_on_commit_callbacks
):
    sender = member(Role.COUNSELLOR, net["ml"], email="partie@ml.example.fr")
    referral = ReferralFactory(young_person=person, session=session, sender=sender)
    sender.memberships.update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(
            referral=referral, action="acknowledge", user=referent, membership=referent.memberships.get()
        )
    assert [m.to for m in mail.outbox] == [[counsellor.email]]  # the person's counsellor

    person.counsellor = None
    person.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(
            referral=referral, action="admit", user=referent, membership=referent.memberships.get()
        )
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_choosing_the_daily_digest(
    login, referent, counsellor, person, session, django_capture_on_commit_callbacks
):
    client = login(referent)
    page = client.get(reverse("referrals:preferences")).content.decode()
    assert "Un récapitulatif par jour" in page
    client.post(reverse("referrals:preferences"), {"frequency": EmailFrequency.DAILY})
    assert NotificationPreference.objects.get(user=referent).frequency == EmailFrequency.DAILY

    with django_capture_on_commit_callbacks(execute=True):
        referral_send(
            young_person=person, session=session, user=counsellor, membership=counsellor.memberships.get()
        )
    assert mail.outbox == []
    assert Notification.objects.filter(user=referent, email__isnull=True).count() == 1
