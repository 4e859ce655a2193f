"""Referrals through the API: sending (missions locales), reading within scope (both sides), the
lifecycle through the referrals services, the timeline."""

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import fields_of, problem_of
from tests.factories import member
from tests.referrals.factories import ReferralFactory
from tests.youth.factories import YoungPersonFactory, cnam_session
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import RegistrationState
from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral, ReferralEvent
from tremplin.youth.models import YoungPersonAccess

URL = "/api/v1/referrals/"


def transition(client, referral, action, **data):
    return client.post(f"{URL}{referral.pk}/transitions/", {"action": action, **data}, format="json")


def test_a_mission_locale_sends_a_referral(net, api, tokens, person, session):
    response = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    body = response.json()
    assert (body["id"], body["status"], body["session"], body["site"]["code"]) == (
        referral.pk,
        "sent",
        session.pk,
        "CNAM-RODEZ",
    )
    assert body["young_person"]["shared"] is True and body["young_person"]["first_name"] == "Léa"
    assert body["allowed_actions"] == ["withdraw"]
    assert response["Location"].endswith(f"{URL}{referral.pk}/")
    event = referral.events.get()
    assert (event.action, event.side, event.actor, event.organisation_id) == (
        "send",
        "ml",
        None,
        net["ml"].pk,
    )


def test_a_referral_sent_by_a_token_carries_its_message(net, api, tokens, person, session):
    body = {
        "young_person": person.pk,
        "session": session.pk,
        "message": "Projet solide.",
        "notify_young_person": True,
    }
    response = api(tokens["ml"]).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    message = Referral.objects.get().messages.get()
    assert (message.body, message.author, message.organisation_id) == ("Projet solide.", None, net["ml"].pk)


def test_a_referral_to_a_site_for_a_positioning_meeting(net, api, tokens, person):
    response = api(tokens["ml"]).post(
        URL, {"young_person": person.pk, "site": net["other_site"].pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["session"] is None and response.json()["site"]["code"] == "CNAM-MILLAU"


def test_a_second_referral_to_the_same_session_is_a_conflict(net, api, tokens, person, session):
    first = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    again = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    assert again.status_code == 409
    assert problem_of(again)["referral"] == first.json()["id"]
    assert Referral.objects.count() == 1


def test_a_retried_send_with_its_key_sends_once(net, api, tokens, person, session):
    client = api(tokens["ml"])
    data = {"young_person": person.pk, "session": session.pk}
    first = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="send-1")
    again = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="send-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1


def test_no_referral_without_consent(net, api, tokens, person, session):
    person.consent_given_at = None
    person.save()
    response = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    assert response.status_code == 409
    assert "accord" in problem_of(response)["detail"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"session": 999999}, "session"),
        ({}, "session"),
        ({"site": 999999}, "site"),
        ({"young_person": 999999, "site": 1}, "young_person"),
    ],
)
def test_bad_targets_name_the_field(net, api, tokens, person, session, data, field):
    body = {"young_person": person.pk, **data}
    response = api(tokens["ml"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert fields_of(response) == {field}


def test_a_closed_session_takes_no_referral(net, api, tokens, person):
    closed = cnam_session(net["site"], title="Fermée", state=RegistrationState.CLOSED)
    response = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": closed.pk}, format="json")
    assert response.status_code == 400
    assert fields_of(response) == {"session"}


def test_another_mission_locale_s_person_cannot_be_referred(net, api, tokens, person, session):
    response = api(tokens["other_ml"]).post(
        URL, {"young_person": person.pk, "session": session.pk}, format="json"
    )
    assert response.status_code == 400
    assert fields_of(response) == {"young_person"}


@pytest.mark.parametrize("who", ["site", "centre", "steering"])
def test_only_missions_locales_send(net, api, tokens, person, session, who):
    response = api(tokens[who]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    assert response.status_code == 403
    assert not Referral.objects.exists()


@pytest.fixture
def referrals(net, person, session, counsellor):
    """One referral to each Cnam site of the region, from each mission locale."""
    at_millau = cnam_session(net["other_site"], title="Comptabilité")
    other_person = YoungPersonFactory(mission_locale=net["other_ml"], home_commune=net["millau"])
    return {
        "rodez": ReferralFactory(young_person=person, session=session, sender=counsellor),
        "millau": ReferralFactory(young_person=person, session=at_millau, sender=counsellor),
        "other_ml": ReferralFactory(young_person=other_person, session=session),
    }


@pytest.mark.parametrize(
    "who, expected",
    [
        ("ml", {"rodez", "millau"}),
        ("other_ml", {"other_ml"}),
        ("site", {"rodez", "other_ml"}),
        ("other_site", {"millau"}),
        ("centre", {"rodez", "millau", "other_ml"}),
    ],
)
def test_each_side_lists_its_own_referrals(net, api, tokens, referrals, who, expected):
    response = api(tokens[who]).get(URL)
    assert response.status_code == 200
    assert {item["id"] for item in response.json()["results"]} == {referrals[name].pk for name in expected}
    for name in set(referrals) - expected:
        assert api(tokens[who]).get(f"{URL}{referrals[name].pk}/").status_code == 404
        assert api(tokens[who]).get(f"{URL}{referrals[name].pk}/events/").status_code == 404
        assert transition(api(tokens[who]), referrals[name], "acknowledge").status_code == 404


def test_steering_reads_no_referral(net, api, tokens, referrals):
    assert api(tokens["steering"]).get(URL).status_code == 403
    assert api(tokens["steering"]).get(f"{URL}{referrals['rodez'].pk}/").status_code == 404


def test_list_filters(net, api, tokens, referrals):
    referrals["millau"].status = ReferralStatus.ACKNOWLEDGED
    referrals["millau"].save()
    client = api(tokens["centre"])
    assert [r["id"] for r in client.get(URL, {"status": "acknowledged"}).json()["results"]] == [
        referrals["millau"].pk
    ]
    assert {r["id"] for r in client.get(URL, {"site": net["site"].pk}).json()["results"]} == {
        referrals["rodez"].pk,
        referrals["other_ml"].pk,
    }
    since = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert client.get(URL, {"updated_since": since}).json()["results"] == []
    assert fields_of(client.get(URL, {"status": "perdue"})) == {"status"}


def test_the_cnam_reads_what_the_mission_locale_shares_and_the_read_is_logged(
    net, api, tokens, referrals, person
):
    response = api(tokens["site"]).get(f"{URL}{referrals['rodez'].pk}/")
    shared = response.json()["young_person"]
    assert (
        shared["shared"] is True
        and shared["last_name"] == "Martin"
        and shared["email"] == "lea.martin@example.org"
    )
    assert response.json()["allowed_actions"] == ["acknowledge", "refuse"]
    access = YoungPersonAccess.objects.get()
    assert (access.young_person, access.organisation_id) == (person, net["site"].pk)
    # Consent withdrawn: nothing of the person is shown any more.
    person.consent_given_at = None
    person.save()
    assert api(tokens["site"]).get(f"{URL}{referrals['rodez'].pk}/").json()["young_person"] == {
        "id": person.pk,
        "shared": False,
    }


def test_from_sending_to_completion(net, api, tokens, person, session):
    ml, cnam = api(tokens["ml"]), api(tokens["site"])
    referral = Referral.objects.get(
        pk=ml.post(URL, {"young_person": person.pk, "session": session.pk}, format="json").json()["id"]
    )
    meeting = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    steps = [
        ("acknowledge", {}, "acknowledged"),
        (
            "plan_meeting",
            {"meeting_at": meeting.isoformat(), "meeting_place": "Cnam Rodez, salle 2"},
            "meeting_planned",
        ),
        ("admit", {"comment": "Dossier complet."}, "admitted"),
        ("enroll", {"entry_date": timezone.localdate().isoformat()}, "enrolled"),
        ("complete", {"outcome": "certified"}, "completed"),
    ]
    for action, data, status in steps:
        response = transition(cnam, referral, action, **data)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    body = ml.get(f"{URL}{referral.pk}/").json()
    assert body["outcome"] == "certified" and body["meeting_place"] == "Cnam Rodez, salle 2"
    assert body["allowed_actions"] == []
    events = ml.get(f"{URL}{referral.pk}/events/").json()
    assert [(e["action"], e["to_status"]) for e in events] == [
        ("send", "sent"),
        ("acknowledge", "acknowledged"),
        ("plan_meeting", "meeting_planned"),
        ("admit", "admitted"),
        ("enroll", "enrolled"),
        ("complete", "completed"),
    ]
    assert events[3]["comment"] == "Dossier complet." and events[3]["organisation"] == "Cnam Aveyron"


def test_the_mission_locale_withdraws_with_a_reason(net, api, tokens, referrals):
    referral = referrals["rodez"]
    response = transition(
        api(tokens["ml"]), referral, "withdraw", reason="other_solution", comment="Emploi trouvé."
    )
    assert response.status_code == 200
    assert response.json()["withdrawal_reason"] == "other_solution"
    event = ReferralEvent.objects.get(referral=referral, action="withdraw")
    assert (event.reason, event.comment, event.side) == ("other_solution", "Emploi trouvé.", "ml")


@pytest.mark.parametrize("who, action", [("ml", "acknowledge"), ("site", "withdraw"), ("ml", "admit")])
def test_an_action_of_the_other_side_is_forbidden(net, api, tokens, referrals, who, action):
    response = transition(api(tokens[who]), referrals["rodez"], action, reason="other_solution")
    assert response.status_code == 403
    referrals["rodez"].refresh_from_db()
    assert referrals["rodez"].status == ReferralStatus.SENT


def test_an_action_from_the_wrong_status_is_a_conflict(net, api, tokens, referrals):
    response = transition(api(tokens["site"]), referrals["rodez"], "enroll")
    assert response.status_code == 409
    assert problem_of(response)["type"].endswith("transition_refused")
    assert "envoyée" in problem_of(response)["detail"]


@pytest.mark.parametrize(
    "action, data, field",
    [
        ("refuse", {}, "reason"),
        ("refuse", {"reason": "trop_loin"}, "reason"),
        ("refuse", {"reason": "other"}, "detail"),
        ("acknowledge", {"outcome": "certified"}, "outcome"),
        ("teleport", {}, "action"),
        ("expire", {}, "action"),
    ],
)
def test_transition_data_errors_name_the_field(net, api, tokens, referrals, action, data, field):
    response = transition(api(tokens["site"]), referrals["rodez"], action, **data)
    assert response.status_code == 400
    assert fields_of(response) == {field}


def test_a_meeting_in_the_past_is_refused(net, api, tokens, referrals):
    client = api(tokens["site"])
    transition(client, referrals["rodez"], "acknowledge")
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = transition(
        client, referrals["rodez"], "plan_meeting", meeting_at=past, meeting_place="Salle 2"
    )
    assert response.status_code == 400
    assert fields_of(response) == {"meeting_at"}


def test_a_transition_with_a_stale_etag_is_refused(net, api, tokens, referrals):
    client = api(tokens["site"])
    etag = client.get(f"{URL}{referrals['rodez'].pk}/")["ETag"]
    assert transition(api(tokens["ml"]), referrals["rodez"], "withdraw", reason="mistake").status_code == 200
    response = client.post(
        f"{URL}{referrals['rodez'].pk}/transitions/",
        {"action": "refuse", "reason": "level"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412


def test_a_retried_transition_with_its_key_answers_the_same(net, api, tokens, referrals):
    client = api(tokens["site"])
    url = f"{URL}{referrals['rodez'].pk}/transitions/"
    first = client.post(url, {"action": "acknowledge"}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    again = client.post(url, {"action": "acknowledge"}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert ReferralEvent.objects.filter(referral=referrals["rodez"], action="acknowledge").count() == 1


def test_a_referent_signed_in_acts_as_themselves(net, client, referrals, referent):
    client.force_login(referent)
    response = client.post(
        f"{URL}{referrals['rodez'].pk}/transitions/",
        {"action": "acknowledge"},
        content_type="application/json",
    )
    assert response.status_code == 200
    referrals["rodez"].refresh_from_db()
    assert referrals["rodez"].referent == referent
    assert referrals["rodez"].events.get(action="acknowledge").actor == referent


def test_a_counsellor_signed_in_lists_their_mission_locale_s_referrals(net, client, referrals):
    client.force_login(member(Role.COUNSELLOR, net["ml"]))
    assert {r["id"] for r in client.get(URL).json()["results"]} == {
        referrals["rodez"].pk,
        referrals["millau"].pk,
    }


def test_sending_and_acting_through_the_api_are_logged_reads(net, api, tokens, person, session):
    sent = api(tokens["ml"]).post(URL, {"young_person": person.pk, "session": session.pk}, format="json")
    referral = Referral.objects.get(pk=sent.json()["id"])
    assert list(YoungPersonAccess.objects.values_list("organisation_id", flat=True)) == [net["ml"].pk]

    assert transition(api(tokens["site"]), referral, "acknowledge").status_code == 200

    readers = YoungPersonAccess.objects.filter(young_person=person).values_list("organisation_id", flat=True)
    assert sorted(readers) == sorted([net["ml"].pk, net["site"].pk])


def test_stored_answers_holding_names_are_deleted_by_the_tick_after_a_day(net, api, tokens, person, session):
    import io

    from django.core.management import call_command

    from tremplin.api.models import IdempotentRequest

    api(tokens["ml"]).post(
        URL, {"young_person": person.pk, "session": session.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert "Léa" in str(IdempotentRequest.objects.get().body)

    call_command("referrals_tick", stdout=io.StringIO())
    assert IdempotentRequest.objects.count() == 1  # still within its 24 hours

    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    call_command("referrals_tick", stdout=io.StringIO())
    assert not IdempotentRequest.objects.exists()


def test_emails_of_a_referral_sent_with_a_token_name_the_mission_locale(
    net, api, tokens, person, session, referent
):
    from tremplin.referrals.models import OutboxEmail

    body = {"young_person": person.pk, "session": session.pk, "message": "Projet solide."}
    assert api(tokens["ml"]).post(URL, body, format="json").status_code == 201

    bodies = " ".join(OutboxEmail.objects.values_list("body", flat=True))
    assert f"{net['ml'].name} oriente" in bodies and "Orientation envoyée le" in bodies
