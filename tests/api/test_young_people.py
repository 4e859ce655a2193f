"""Young people through the API: mission locales only, their own records, the form's rules, the
access log, ETag/If-Match and Idempotency-Key."""

import datetime

import pytest

from tests.api.conftest import fields_of, problem_of
from tests.factories import member
from tests.youth.factories import YoungPersonFactory, born
from tremplin.accounts.enums import Role
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPerson, YoungPersonAccess

URL = "/api/v1/young-people/"


def new_person(**changes) -> dict:
    return {
        "first_name": "Inès",
        "last_name": "Dupuis",
        "birth_date": born(19).isoformat(),
        "home_commune": "12202",
        "education_level": 4,
        "has_bac": True,
        "interests": ["M1805"],
        "phone": "06 12 34 56 78",
        "consent": True,
        **changes,
    }


def test_a_mission_locale_registers_a_young_person(net, api, tokens, rome, counsellor):
    response = api(tokens["ml"]).post(URL, new_person(counsellor="CAMILLE@ml.example.fr"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    person = YoungPerson.objects.get()
    assert response["Location"].endswith(f"{URL}{person.pk}/")
    assert response["ETag"]
    assert (person.mission_locale_id, person.home_commune_id, person.counsellor, person.created_by) == (
        net["ml"].pk,
        "12202",
        counsellor,
        None,
    )
    assert person.has_consent and person.consent_recorded_by is None
    assert body["interests"] == ["M1805"] and body["counsellor"] == "camille@ml.example.fr"
    assert body["consent"] is True and body["consent_given_at"]


def test_the_counsellor_is_optional(net, api, tokens):
    response = api(tokens["ml"]).post(URL, new_person(interests=[]), format="json")
    assert response.status_code == 201
    assert response.json()["counsellor"] is None


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"birth_date": born(14).isoformat()}, {"birth_date"}),
        ({"birth_date": born(27).isoformat()}, {"birth_date"}),
        ({"has_bac": True, "education_level": 3}, {"education_level"}),
        ({"accessibility_note": "Fauteuil roulant"}, {"accessibility_note"}),
        ({"phone": "12"}, {"phone"}),
        ({"home_commune": "99999"}, {"home_commune"}),
        ({"interests": ["M9999"]}, {"interests"}),
        ({"counsellor": "personne@ailleurs.fr"}, {"counsellor"}),
        (
            {"first_name": "", "birth_date": "hier", "programme": "autre"},
            {"first_name", "birth_date", "programme"},
        ),
        ({"max_travel_km": 500}, {"max_travel_km"}),
    ],
)
def test_the_form_s_rules_apply_and_name_the_field(net, api, tokens, rome, changes, fields):
    response = api(tokens["ml"]).post(URL, new_person(**changes), format="json")
    assert response.status_code == 400
    assert fields_of(response) == fields
    assert not YoungPerson.objects.exists()


def test_over_25_with_an_rqth(net, api, tokens, rome):
    response = api(tokens["ml"]).post(
        URL, new_person(birth_date=born(27).isoformat(), rqth=True), format="json"
    )
    assert response.status_code == 201
    assert "rqth" not in response.json()


def test_a_possible_duplicate_asks_for_confirmation(net, api, tokens, rome, person):
    elsewhere = YoungPersonFactory(
        first_name="Inès", last_name="Dupuis", birth_date=born(19), mission_locale=net["other_ml"]
    )
    same = YoungPersonFactory(
        first_name="Ines", last_name="DUPUIS", birth_date=elsewhere.birth_date, mission_locale=net["ml"]
    )
    data = new_person(birth_date=elsewhere.birth_date.isoformat())
    response = api(tokens["ml"]).post(URL, data, format="json")
    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"].endswith("possible_duplicate")
    assert problem["duplicates"] == [same.pk]
    assert problem["known_elsewhere"] is True
    assert "Dupuis" not in str(problem["duplicates"])
    assert api(tokens["ml"]).post(URL, {**data, "confirm_duplicate": True}, format="json").status_code == 201


def test_reading_a_record_is_logged(net, api, tokens, person):
    response = api(tokens["ml"]).get(f"{URL}{person.pk}/")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Léa"
    access = YoungPersonAccess.objects.get()
    assert (access.young_person, access.user, access.organisation_id, access.action) == (
        person,
        None,
        net["ml"].pk,
        AccessAction.VIEW,
    )


def test_the_list_shows_the_mission_locale_s_active_people(net, api, tokens, person):
    archived = YoungPersonFactory(mission_locale=net["ml"], archived_at=person.created_at)
    other = YoungPersonFactory(mission_locale=net["other_ml"])
    listed = [p["id"] for p in api(tokens["ml"]).get(URL).json()["results"]]
    assert listed == [person.pk]
    with_archived = [p["id"] for p in api(tokens["ml"]).get(URL, {"archived": "true"}).json()["results"]]
    assert set(with_archived) == {person.pk, archived.pk}
    assert other.pk not in with_archived
    assert [p["id"] for p in api(tokens["ml"]).get(URL, {"q": "lea mart"}).json()["results"]] == [person.pk]


@pytest.mark.parametrize("who", ["site", "centre", "steering"])
def test_only_missions_locales_reach_young_people(net, api, tokens, person, who):
    response = api(tokens[who]).get(URL)
    assert response.status_code == 403
    assert "missions locales" in problem_of(response)["detail"]
    assert api(tokens[who]).post(URL, new_person(), format="json").status_code == 403
    # A record, as on the pages: it does not exist for them.
    assert api(tokens[who]).get(f"{URL}{person.pk}/").status_code == 404
    assert YoungPerson.objects.count() == 1


def test_another_mission_locale_s_record_is_not_found(net, api, tokens, person):
    for response in (
        api(tokens["other_ml"]).get(f"{URL}{person.pk}/"),
        api(tokens["other_ml"]).patch(f"{URL}{person.pk}/", {"phone": ""}, format="json"),
    ):
        assert response.status_code == 404
    assert not YoungPersonAccess.objects.exists()


@pytest.mark.parametrize("role, status", [(Role.COUNSELLOR, 200), (Role.CNAM_REFERENT, 404)])
def test_signed_in_members_see_what_their_role_sees(net, client, person, role, status):
    organisation = net["ml"] if role == Role.COUNSELLOR else net["site"]
    client.force_login(member(role, organisation))
    assert client.get(f"{URL}{person.pk}/").status_code == status


def test_an_update_changes_only_what_is_sent(net, api, tokens, person, rome):
    url = f"{URL}{person.pk}/"
    etag = api(tokens["ml"]).get(url)["ETag"]
    response = api(tokens["ml"]).patch(
        url, {"phone": "06 98 76 54 32", "interests": ["D1102"]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.phone == "06 98 76 54 32"
    assert [f.code for f in person.interests.all()] == ["D1102"]
    assert (person.first_name, person.home_commune_id, person.has_consent) == ("Léa", "12202", True)
    assert response["ETag"] != etag


def test_a_stale_etag_loses_nothing(net, api, tokens, person):
    url = f"{URL}{person.pk}/"
    etag = api(tokens["ml"]).get(url)["ETag"]
    assert (
        api(tokens["ml"])
        .patch(url, {"phone": "06 11 11 11 11"}, format="json", HTTP_IF_MATCH=etag)
        .status_code
        == 200
    )
    stale = api(tokens["ml"]).patch(url, {"phone": "06 22 22 22 22"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    person.refresh_from_db()
    assert person.phone == "06 11 11 11 11"


def test_consent_can_be_withdrawn(net, api, tokens, person):
    response = api(tokens["ml"]).patch(f"{URL}{person.pk}/", {"consent": False}, format="json")
    assert response.json()["consent"] is False
    person.refresh_from_db()
    assert not person.has_consent


def test_an_update_keeps_a_counsellor_who_left(net, api, tokens, person, counsellor):
    counsellor.memberships.update(is_active=False)
    response = api(tokens["ml"]).patch(f"{URL}{person.pk}/", {"phone": ""}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["counsellor"] == counsellor.email


def test_an_aged_person_stays_editable(net, api, tokens):
    """The age limits apply to a new birth date, not to a person who grew older while followed."""
    old = YoungPersonFactory(mission_locale=net["ml"], birth_date=born(27))
    assert api(tokens["ml"]).patch(f"{URL}{old.pk}/", {"phone": ""}, format="json").status_code == 200


def test_a_read_only_token_cannot_update(net, api, tokens, person):
    assert api(tokens["ml_read"]).patch(f"{URL}{person.pk}/", {"phone": ""}, format="json").status_code == 403


# ---------------------------------------------------------------------------------------------------
# Idempotency-Key


def test_a_retried_creation_creates_one_record(net, api, tokens, rome):
    client = api(tokens["ml"])
    first = client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="9b2f-1")
    again = client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="9b2f-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert YoungPerson.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(net, api, tokens, rome):
    client = api(tokens["ml"])
    client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post(URL, new_person(first_name="Zoé"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422
    assert "nouvelle clé" in problem_of(response)["detail"]
    assert YoungPerson.objects.count() == 1


def test_keys_belong_to_their_token(net, api, tokens, rome):
    api(tokens["ml"]).post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = api(tokens["other_ml"]).post(
        URL, new_person(last_name="Autre"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 201
    assert YoungPerson.objects.count() == 2


def test_a_failed_request_does_not_use_up_its_key(net, api, tokens, rome):
    client = api(tokens["ml"])
    assert (
        client.post(URL, new_person(phone="12"), format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 400
    )
    assert client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201


def test_keys_expire_after_a_day(net, api, tokens, rome):
    from tremplin.api.models import IdempotentRequest

    client = api(tokens["ml"])
    client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    IdempotentRequest.objects.update(
        created_at=IdempotentRequest.objects.get().created_at - datetime.timedelta(hours=25)
    )
    response = client.post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 409  # a new creation: the duplicate check speaks now
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.parametrize("key", ["", " " * 3, "é", "x" * 256])
def test_a_malformed_key_is_refused(net, api, tokens, key):
    response = api(tokens["ml"]).post(URL, new_person(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert fields_of(response) == {"Idempotency-Key"}
