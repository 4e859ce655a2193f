"""Sending, withdrawing and redirecting from the mission locale's side, with the checks a counsellor
relies on: consent, one open referral per session, warnings, positioning meetings."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import MissionLocaleFactory, member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import RegistrationState
from tremplin.referrals.enums import ReferralStatus, WithdrawalReason
from tremplin.referrals.models import Referral, ReferralEvent
from tremplin.referrals.services import ReferralError, referral_send


def create_url(person, session=None):
    url = f"{reverse('referrals:create')}?person={person.pk}"
    return url + (f"&session={session.pk}" if session else "")


def test_no_referral_without_recorded_consent(login, counsellor, person, session):
    person.consent_given_at = None
    person.save()
    client = login(counsellor)

    page = client.get(create_url(person, session)).content.decode()
    client.post(create_url(person, session), {"message": "Bonjour"})

    assert "Orientation impossible" in page and "n&#x27;est pas enregistré" in page
    assert not Referral.objects.exists()
    record = client.get(reverse("youth:detail", args=[person.pk])).content.decode()
    assert "referrals/nouvelle" not in record and "/orientations/nouvelle/" not in record
    with pytest.raises(ReferralError, match="n'est pas enregistré"):
        referral_send(
            young_person=person, session=session, user=counsellor, membership=counsellor.memberships.get()
        )


def test_a_counsellor_cannot_refer_a_person_of_another_mission_locale(login, person, session):
    stranger = member(Role.COUNSELLOR, MissionLocaleFactory())
    client = login(stranger)

    assert client.get(create_url(person, session)).status_code == 404
    assert client.post(create_url(person, session), {}).status_code == 404
    with pytest.raises(ReferralError, match="n'est pas suivie par votre mission locale"):
        referral_send(
            young_person=person, session=session, user=stranger, membership=stranger.memberships.get()
        )
    assert not Referral.objects.exists()


def test_a_double_click_sends_one_referral(
    login, counsellor, referent, person, session, django_capture_on_commit_callbacks
):
    client = login(counsellor)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(create_url(person, session), {"message": "Bonjour"})
        second = client.post(create_url(person, session), {"message": "Bonjour"}, follow=True)

    referral = Referral.objects.get()
    assert first.url == reverse("referrals:detail", args=[referral.pk])
    assert second.redirect_chain[-1][0] == reverse("referrals:detail", args=[referral.pk])
    assert "a déjà une orientation en cours vers cette session" in second.content.decode()
    assert len([m for m in mail.outbox if "nouvelle orientation" in m.subject]) == 1


def test_the_database_refuses_a_second_open_referral_to_the_same_session(person, session, counsellor):
    """The last guard when two requests pass the check at once (a race): the unique constraint."""
    from django.db import IntegrityError, transaction

    ReferralFactory(young_person=person, session=session)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(young_person=person, session=session)
    # A closed referral does not count: the person may be referred to the session again.
    Referral.objects.update(status=ReferralStatus.REFUSED, refusal_reason="session_full")
    ReferralFactory(young_person=person, session=session)


def test_warnings_need_a_confirmation(login, counsellor, person, session, later_session):
    ReferralFactory(young_person=person, session=later_session, acknowledged=True)  # same site, other session
    client = login(counsellor)

    page = client.get(create_url(person, session)).content.decode()
    refused = client.post(create_url(person, session), {"message": ""}).content.decode()
    assert Referral.objects.count() == 1
    confirmed = client.post(create_url(person, session), {"message": "", "confirm": "on"})

    assert "a déjà une orientation en cours vers Cnam Aveyron (prise en charge)" in page
    assert "Cochez cette case pour envoyer malgré l&#x27;avertissement" in refused
    assert confirmed.status_code == 302 and Referral.objects.count() == 2


def test_warning_when_the_person_is_already_in_training(login, counsellor, person, session, net):
    elsewhere = cnam_session(net["other_site"], title="Comptabilité")
    ReferralFactory(young_person=person, session=elsewhere, enrolled=True)
    page = login(counsellor).get(create_url(person, session)).content.decode()
    assert "est déjà entré·e en formation au Cnam (Cnam Millau)" in page


def test_a_closed_session_cannot_receive_referrals(login, counsellor, person, session):
    session.registration_state = RegistrationState.CLOSED
    session.save()
    client = login(counsellor)
    page = client.post(create_url(person, session), {"message": ""}).content.decode()
    assert "Cette session ne reçoit plus d&#x27;orientation" in page
    assert not Referral.objects.exists()


def test_positioning_meeting_at_a_site_when_no_session_fits(
    login, counsellor, referent, person, net, django_capture_on_commit_callbacks
):
    client = login(counsellor)
    record = client.get(reverse("youth:detail", args=[person.pk])).content.decode()
    assert "Orienter vers un centre pour un entretien de positionnement" in record

    page = client.get(create_url(person)).content.decode()
    # The nearest site first: the person lives in Rodez.
    assert page.index("Cnam Aveyron — Rodez, à 0 km") < page.index("Cnam Millau — Millau")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            create_url(person), {"site": net["site"].pk, "message": "Projet à construire."}
        )

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.session is None and referral.site == net["site"] and referral.is_positioning
    assert [m.to for m in mail.outbox] == [[referent.email]]
    assert "entretien de positionnement" in mail.outbox[0].body
    # One open positioning referral per site.
    again = client.post(create_url(person), {"site": net["site"].pk}, follow=True).content.decode()
    assert "a déjà une orientation en cours vers ce centre" in again and Referral.objects.count() == 1


def test_withdraw_needs_a_reason(login, counsellor, referent, referral, django_capture_on_commit_callbacks):
    client = login(counsellor)
    url = reverse("referrals:action", args=[referral.pk, "withdraw"])

    without = client.post(url, {"withdraw-reason": ""}).content.decode()
    other = client.post(url, {"withdraw-reason": "other"}).content.decode()
    assert Referral.objects.get().status == ReferralStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"withdraw-reason": "other_solution", "withdraw-comment": "CDI trouvé."})

    assert "Ce champ est obligatoire" in without
    assert "Précisez le motif « autre »" in other
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN and referral.withdrawal_reason == "other_solution"
    assert [m.to for m in mail.outbox] == [[referent.email]]
    assert "CDI trouvé." in mail.outbox[0].body


def test_a_refusal_without_reason_and_a_past_meeting_are_refused(login, referent, person, session):
    referral = ReferralFactory(young_person=person, session=session, acknowledged=True)
    client = login(referent)
    refuse = client.post(reverse("referrals:action", args=[referral.pk, "refuse"]), {"refuse-reason": ""})
    past = timezone.localtime() - datetime.timedelta(days=1)
    meeting = client.post(
        reverse("referrals:action", args=[referral.pk, "plan_meeting"]),
        {"plan_meeting-meeting_at": past.strftime("%Y-%m-%dT%H:%M"), "plan_meeting-meeting_place": "Salle 1"},
    )

    assert refuse.status_code == 200 and "Ce champ est obligatoire" in refuse.content.decode()
    assert "La date de l&#x27;entretien est passée" in meeting.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED and referral.meeting_at is None
    assert not ReferralEvent.objects.filter(referral=referral, action__in=["refuse", "plan_meeting"]).exists()


def test_an_action_not_allowed_from_the_status_is_refused_with_a_message(login, referent, referral):
    response = login(referent).post(
        reverse("referrals:action", args=[referral.pk, "enroll"]), {}, follow=True
    )
    assert (
        "Impossible d&#x27;enregistrer l&#x27;entrée en formation : l&#x27;orientation est « envoyée »"
        in (response.content.decode())
    )
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_redirect_after_a_refusal_links_the_new_referral(
    login, counsellor, person, session, later_session, referent, django_capture_on_commit_callbacks
):
    old = ReferralFactory(young_person=person, session=session, refused=True)
    client = login(counsellor)
    chooser = client.get(reverse("referrals:redirect", args=[old.pk])).content.decode()
    assert "Gestion de la paie" in chooser and f"?session={later_session.pk}" in chooser
    assert f'?session={session.pk}"' not in chooser  # not the session just refused

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{reverse('referrals:redirect', args=[old.pk])}?session={later_session.pk}", {"message": ""}
        )

    new = Referral.objects.exclude(pk=old.pk).get()
    assert response.url == reverse("referrals:detail", args=[new.pk])
    assert new.redirected_from == old and new.session == later_session and new.status == ReferralStatus.SENT
    old.refresh_from_db()
    assert old.status == ReferralStatus.REFUSED  # a closed referral stays as it was
    page = client.get(reverse("referrals:detail", args=[old.pk])).content.decode()
    assert f"orientation n° {new.pk}" in page
    assert "Réorienter vers une autre session" not in page  # once only


def test_redirecting_an_active_referral_withdraws_it(
    login, counsellor, person, session, later_session, referent, django_capture_on_commit_callbacks
):
    old = ReferralFactory(young_person=person, session=session, acknowledged=True)
    client = login(counsellor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{reverse('referrals:redirect', args=[old.pk])}?session={later_session.pk}",
            {"message": "Plutôt la paie."},
        )

    old.refresh_from_db()
    new = Referral.objects.get(redirected_from=old)
    assert old.status == ReferralStatus.WITHDRAWN and old.withdrawal_reason == WithdrawalReason.REDIRECTED
    assert new.status == ReferralStatus.SENT
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("retirée" in s for s in subjects) and any("nouvelle orientation" in s for s in subjects)


def test_a_redirection_to_a_closed_session_leaves_the_old_referral_open(
    login, counsellor, person, session, later_session
):
    old = ReferralFactory(young_person=person, session=session, acknowledged=True)
    later_session.registration_state = RegistrationState.SUSPENDED
    later_session.save()
    login(counsellor).post(
        f"{reverse('referrals:redirect', args=[old.pk])}?session={later_session.pk}", {"message": ""}
    )
    old.refresh_from_db()
    assert old.status == ReferralStatus.ACKNOWLEDGED and Referral.objects.count() == 1


def test_choosing_the_person_from_a_training_page(login, counsellor, person, session, net):
    no_consent = YoungPersonFactory(
        first_name="Hugo", mission_locale=net["ml"], counsellor=counsellor, consent_given_at=None
    )
    page = login(counsellor).get(f"{reverse('referrals:create')}?session={session.pk}").content.decode()
    assert f"?person={person.pk}&amp;session={session.pk}" in page
    assert no_consent.last_name.upper() not in page


def test_the_send_and_redirect_pages_are_logged_reads_of_the_record(login, counsellor, person, session):
    from tremplin.youth.models import YoungPersonAccess

    old = ReferralFactory(young_person=person, session=session, refused=True)
    client = login(counsellor)

    client.get(create_url(person, session))
    client.get(reverse("referrals:redirect", args=[old.pk]))

    accesses = YoungPersonAccess.objects.filter(young_person=person, user=counsellor)
    assert accesses.count() == 2


def test_a_referral_and_message_without_a_sender_person_show_on_both_lists_and_the_page(
    login, counsellor, referent, person, session
):
    """Referrals and messages sent through the API with a token, or whose author's account was
    deleted, have no person attached."""
    from tremplin.referrals.models import ReferralMessage

    referral = ReferralFactory(young_person=person, session=session)
    Referral.objects.filter(pk=referral.pk).update(sender=None)
    ReferralMessage.objects.create(
        referral=referral,
        author=None,
        organisation=referral.mission_locale,
        body="Envoyé par i-milo",
        created_at=timezone.now(),
    )

    for user, listing in ((counsellor, "referrals:list"), (referent, "referrals:inbox")):
        client = login(user)
        listed = client.get(reverse(listing) + "?status=")
        assert listed.status_code == 200
        assert reverse("referrals:detail", args=[referral.pk]) in listed.content.decode()
        page = client.get(reverse("referrals:detail", args=[referral.pk]))
        assert page.status_code == 200
        assert "Envoyé par i-milo" in page.content.decode()
