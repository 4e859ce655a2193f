"""The young person's signed link: valid once, for one purpose, for REFERRAL_LINK_MAX_AGE_DAYS days;
expired, reused, replaced or forged links get a clear page and change nothing."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from tremplin.referrals import clock
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.links import SALT
from tremplin.referrals.models import Referral
from tremplin.referrals.services import referral_send, referral_transition, referral_young_person_link_send


@pytest.fixture
def sent(person, session, counsellor, referent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_send(
            young_person=person,
            session=session,
            user=counsellor,
            membership=counsellor.memberships.get(),
            notify_young_person=True,
        )
    return referral


def link_in_last_email(to):
    body = [m for m in mail.outbox if m.to == [to]][-1].body
    return re.search(r"https://tremplin\.example\.fr(/orientations/reponse/\S+/)", body).group(1)


def test_the_email_to_the_young_person(sent, person):
    message = [m for m in mail.outbox if m.to == [person.email]][0]
    assert message.subject == "Votre orientation vers le Cnam : Cnam Aveyron"
    assert "Bonjour Léa" in message.body and "Développeur web" in message.body
    assert "1 place du Bourg" in message.body and "aveyron@cnam.example.fr" in message.body
    assert "valable 30 jours" in message.body


def test_no_email_when_the_person_has_no_address(
    person, session, counsellor, referent, django_capture_on_commit_callbacks
):
    person.email = ""
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_send(
            young_person=person,
            session=session,
            user=counsellor,
            membership=counsellor.memberships.get(),
            notify_young_person=True,
        )
    assert not referral.young_person_notified and [m.to for m in mail.outbox] == [[referent.email]]


def test_confirming_interest_once(
    client, sent, person, counsellor, referent, django_capture_on_commit_callbacks
):
    url = link_in_last_email(person.email)
    page = client.get(url)
    assert page.status_code == 200 and "Oui, je confirme mon intérêt" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    client.get(url)  # opening the link (or a mail scanner prefetching it) uses nothing

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"answer": "confirm"}).content.decode()
    assert "Merci, c&#x27;est noté" in done or "Merci, c'est noté" in done
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.link_used_at is not None
    assert referral.events.filter(action="confirm_interest", side=Side.YOUNG_PERSON).count() == 1
    assert sorted(a for m in mail.outbox for a in m.to) == sorted([counsellor.email, referent.email])

    reused = client.post(url, {"answer": "withdraw"})
    assert reused.status_code == 410 and "Ce lien a déjà été utilisé" in reused.content.decode()
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_withdrawing_from_the_link(
    client, sent, person, counsellor, referent, django_capture_on_commit_callbacks
):
    url = link_in_last_email(person.email)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"answer": "withdraw"})
    referral = Referral.objects.get()
    assert (
        referral.status == ReferralStatus.WITHDRAWN and referral.withdrawal_reason == "no_longer_interested"
    )
    event = referral.events.latest("pk")
    assert (event.action, event.side, event.actor) == ("withdraw", Side.YOUNG_PERSON, None)
    assert sorted(a for m in mail.outbox for a in m.to) == sorted([counsellor.email, referent.email])
    assert "retiré sa candidature depuis le lien" in mail.outbox[0].body


def test_an_expired_link(client, sent, person, settings):
    url = link_in_last_email(person.email)
    with clock.frozen(clock.now() + datetime.timedelta(days=31)):
        response = client.post(url, {"answer": "withdraw"})
    assert response.status_code == 410
    assert "Ce lien a expiré : il était valable 30 jours" in response.content.decode()
    assert Referral.objects.get().status == ReferralStatus.SENT
    with clock.frozen(clock.now() + datetime.timedelta(days=29)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),  # signature changed
        lambda token: "9999." + token.split(".", 1)[1],  # another referral, same signature
        lambda token: signing.TimestampSigner(salt="another.purpose").sign(token.rsplit(":", 2)[0]),
        lambda token: "n-importe-quoi",
    ],
)
def test_a_forged_link(client, sent, person, mangle):
    url = link_in_last_email(person.email)
    token = url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        reverse("referrals:young_person_link", args=[mangle(token)]), {"answer": "withdraw"}
    )
    assert response.status_code == 404 and "Ce lien n&#x27;est pas valide" in response.content.decode()
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_the_right_signature_with_this_salt_is_what_makes_a_link(client, sent):
    token = signing.TimestampSigner(salt=SALT).sign(f"{sent.pk}.{Referral.objects.get().link_nonce}")
    assert client.get(reverse("referrals:young_person_link", args=[token])).status_code == 200


def test_a_new_link_replaces_the_old_one(
    client, sent, person, counsellor, django_capture_on_commit_callbacks
):
    old = link_in_last_email(person.email)
    with django_capture_on_commit_callbacks(execute=True):
        referral_young_person_link_send(
            referral=sent, user=counsellor, membership=counsellor.memberships.get()
        )
    new = link_in_last_email(person.email)
    assert old != new
    assert "remplacé par un lien plus récent" in client.get(old).content.decode()
    assert client.get(new).status_code == 200


def test_a_closed_referral(client, sent, person, referent):
    url = link_in_last_email(person.email)
    referral_transition(
        referral=sent,
        action="refuse",
        user=referent,
        membership=referent.memberships.get(),
        reason="session_full",
    )
    page = client.get(url).content.decode()
    assert "Cette orientation est close" in page
    client.post(url, {"answer": "withdraw"})
    assert Referral.objects.get().status == ReferralStatus.REFUSED


def test_the_counsellor_resends_the_link_from_the_referral_page(
    login, sent, counsellor, person, django_capture_on_commit_callbacks
):
    client = login(counsellor)
    page = client.get(reverse("referrals:detail", args=[sent.pk])).content.decode()
    assert "Renvoyer au ou à la jeune le courriel de confirmation" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("referrals:send_link", args=[sent.pk]))
    assert [m.to for m in mail.outbox] == [[person.email]]
