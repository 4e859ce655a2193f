"""Sites, trainings and sessions: public reads with the catalogue's filters, and the session update
by its Cnam site."""

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import fields_of, problem_of
from tests.catalog.factories import (
    TrainingActionFactory,
    TrainingFactory,
    TrainingProviderFactory,
    TrainingSessionFactory,
)
from tests.youth.factories import cnam_session
from tremplin.catalog.enums import RegistrationState, TeachingMode
from tremplin.catalog.models import SessionChange, TrainingSession


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_sites_are_public_and_filtered(net, api):
    response = api().get("/api/v1/sites/")
    assert response.status_code == 200
    by_code = {site["code"]: site for site in response.json()["results"]}
    assert set(by_code) == {"CNAM-OCC", "CNAM-RODEZ", "CNAM-MILLAU"}
    rodez = by_code["CNAM-RODEZ"]
    assert rodez["kind"] == "site"
    assert rodez["regional_centre"] == {"id": net["centre"].pk, "code": "CNAM-OCC", "name": "Cnam Occitanie"}
    assert rodez["commune"] == {"insee_code": "12202", "name": "Rodez"}
    assert by_code["CNAM-OCC"]["regional_centre"] is None
    assert ids(api().get("/api/v1/sites/", {"department": "31"})) == [net["centre"].pk]
    assert ids(api().get("/api/v1/sites/", {"kind": "regional_centre"})) == [net["centre"].pk]
    assert api().get(f"/api/v1/sites/{net['site'].pk}/").json()["name"] == "Cnam Aveyron"


def test_an_unknown_filter_value_is_a_problem_naming_the_parameter(net, api):
    response = api().get("/api/v1/sites/", {"kind": "château"})
    assert response.status_code == 400
    assert fields_of(response) == {"kind"}


@pytest.fixture
def offer(net):
    """Sessions at Rodez (on site, open, level 6, ROME M1805), at Millau (closed), at distance, and in
    Toulouse (150 km from Rodez)."""
    today = timezone.localdate()
    rodez = cnam_session(net["site"], title="Développeur web", rome="M1805")
    rodez.action.training.exit_level = 6
    rodez.action.training.save()
    millau = cnam_session(
        net["other_site"], title="Comptabilité", rome="M1203", state=RegistrationState.CLOSED
    )
    remote = cnam_session(net["other_site"], title="Anglais professionnel", mode=TeachingMode.DISTANCE)
    toulouse = cnam_session(
        net["centre"], title="Réseaux", rome="M1801", start=today + datetime.timedelta(days=200)
    )
    return {"rodez": rodez, "millau": millau, "remote": remote, "toulouse": toulouse}


def test_sessions_near_a_commune_carry_their_distance(net, api, offer):
    response = api().get("/api/v1/sessions/", {"commune": "12202", "radius": 40})
    found = {item["id"]: item for item in response.json()["results"]}
    # Millau is about 49 km away; the distance-learning session stays, wherever it is given.
    assert set(found) == {offer["rodez"].pk, offer["remote"].pk}
    assert found[offer["rodez"].pk]["distance_km"] == 0.0
    assert found[offer["remote"].pk]["teaching_mode"] == "distance"
    assert ids(api().get("/api/v1/sessions/")) != list(found)


def test_the_radius_is_a_real_distance(net, api, offer):
    near = ids(api().get("/api/v1/sessions/", {"commune": "12202", "radius": 30, "mode": "on_site"}))
    assert near == [offer["rodez"].pk]
    wider = ids(api().get("/api/v1/sessions/", {"commune": "12202", "radius": 50, "mode": "on_site"}))
    assert set(wider) == {offer["rodez"].pk, offer["millau"].pk}
    everything = api().get("/api/v1/sessions/", {"commune": "12202", "radius": 200, "mode": "on_site"})
    distances = {item["id"]: item["distance_km"] for item in everything.json()["results"]}
    assert 40 < distances[offer["millau"].pk] < 50
    assert 110 < distances[offer["toulouse"].pk] < 130


def test_session_filters(net, api, offer):
    sessions = "/api/v1/sessions/"
    assert ids(api().get(sessions, {"registration_state": "closed"})) == [offer["millau"].pk]
    assert ids(api().get(sessions, {"mode": "distance"})) == [offer["remote"].pk]
    assert set(ids(api().get(sessions, {"rome": "M18"}))) == {offer["rodez"].pk, offer["toulouse"].pk}
    assert ids(api().get(sessions, {"rome": "m1805"})) == [offer["rodez"].pk]
    assert ids(api().get(sessions, {"level": 6})) == [offer["rodez"].pk]
    assert ids(api().get(sessions, {"q": "developpeur"})) == [offer["rodez"].pk]
    later = (timezone.localdate() + datetime.timedelta(days=100)).isoformat()
    assert ids(api().get(sessions, {"start_after": later})) == [offer["toulouse"].pk]
    assert offer["toulouse"].pk not in ids(api().get(sessions, {"start_before": later}))
    assert ids(api().get(sessions, {"site": net["other_site"].pk, "mode": "on_site"})) == [offer["millau"].pk]
    assert ids(api().get(sessions, {"training": offer["remote"].action.training_id})) == [offer["remote"].pk]


def test_ended_sessions_and_other_providers_are_left_out(net, api, offer):
    ended = cnam_session(net["site"], title="Ancienne")
    TrainingSession.objects.filter(pk=ended.pk).update(
        start_date=timezone.localdate() - datetime.timedelta(days=300),
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    other = TrainingSessionFactory(
        action=TrainingActionFactory(training=TrainingFactory(provider=TrainingProviderFactory(other=True)))
    )
    listed = ids(api().get("/api/v1/sessions/"))
    assert ended.pk not in listed and other.pk not in listed
    assert ended.pk in ids(api().get("/api/v1/sessions/", {"include_ended": "true"}))
    assert api().get(f"/api/v1/sessions/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"commune": "99999"}, "commune"),
        ({"commune": "12202", "radius": 500}, "radius"),
        ({"rome": "Z12"}, "rome"),
        ({"level": 9}, "level"),
        ({"mode": "parachute"}, "mode"),
        ({"start_after": "demain"}, "start_after"),
        ({"start_after": "2030-01-02", "start_before": "2030-01-01"}, "start_before"),
        ({"registration_state": "ouvert"}, "registration_state"),
    ],
)
def test_bad_filters_name_the_parameter(net, api, params, field):
    for url in ("/api/v1/sessions/", "/api/v1/trainings/"):
        response = api().get(url, params)
        assert response.status_code == 400
        assert fields_of(response) == {field}


def test_trainings_have_one_session_meeting_every_filter(net, api, offer):
    # The training of the closed Millau session also has an open session at Toulouse: "open near
    # Rodez" must not find it through two different sessions.
    cnam_session(net["centre"], title="Comptabilité bis")
    second = TrainingSessionFactory(
        action=TrainingActionFactory(training=offer["millau"].action.training, cnam_site=net["centre"])
    )
    assert second.registration_state == RegistrationState.OPEN
    found = ids(
        api().get(
            "/api/v1/trainings/",
            {"commune": "12202", "radius": 60, "registration_state": "open", "mode": "on_site"},
        )
    )
    assert found == [offer["rodez"].action.training_id]
    training = api().get(f"/api/v1/trainings/{offer['rodez'].action.training_id}/").json()
    assert training["title"] == "Développeur web"
    assert training["rome_codes"] == ["M1805"]
    assert training["target_level"] == 6
    assert training["sessions"].endswith(f"/api/v1/sessions/?training={training['id']}")


def test_a_session_says_whether_it_receives_referrals(net, api, offer):
    rodez = api().get(f"/api/v1/sessions/{offer['rodez'].pk}/")
    assert rodez.json()["receives_referrals"] is True
    assert rodez.json()["site"]["code"] == "CNAM-RODEZ"
    assert rodez.json()["place"]["commune_insee"] == "12202"
    assert rodez["ETag"]
    assert api().get(f"/api/v1/sessions/{offer['millau'].pk}/").json()["receives_referrals"] is False


def test_lists_walk_with_a_cursor(net, api):
    for number in range(7):
        cnam_session(net["site"], title=f"Formation {number}")
    seen, url, pages = [], "/api/v1/sessions/?page_size=3", 0
    while url:
        body = api().get(url).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert seen == sorted(seen) and len(set(seen)) == 7


def test_a_forged_cursor_is_a_problem(net, api):
    response = api().get("/api/v1/sessions/", {"cursor": "nimportequoi"})
    assert response.status_code == 404
    assert "Curseur" in problem_of(response)["detail"]


# ---------------------------------------------------------------------------------------------------
# Session updates


def test_the_site_closes_its_session_with_if_match(net, api, tokens, offer):
    url = f"/api/v1/sessions/{offer['rodez'].pk}/"
    etag = api().get(url)["ETag"]
    response = api(tokens["site"]).patch(
        url, {"registration_state": "closed", "places_available": 0}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response.json()["registration_state"] == "closed"
    assert response["ETag"] != etag
    assert set(SessionChange.objects.filter(session=offer["rodez"]).values_list("field", flat=True)) == {
        "registration_state",
        "places_available",
    }
    # The first ETag is now stale: a second client that read before is refused, nothing written.
    stale = api(tokens["site"]).patch(url, {"places_available": 5}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert problem_of(stale)["type"].endswith("precondition_failed")
    offer["rodez"].refresh_from_db()
    assert offer["rodez"].places_available == 0


def test_the_regional_centre_updates_its_sites_sessions(net, api, tokens, offer):
    url = f"/api/v1/sessions/{offer['rodez'].pk}/"
    assert api(tokens["centre"]).patch(url, {"places_available": 3}, format="json").status_code == 200


@pytest.mark.parametrize("who", ["other_site", "ml"])
def test_others_cannot_update_a_session(net, api, tokens, offer, who):
    url = f"/api/v1/sessions/{offer['rodez'].pk}/"
    assert api(tokens[who]).patch(url, {"places_available": 3}, format="json").status_code == 404
    offer["rodez"].refresh_from_db()
    assert offer["rodez"].places_available == 12


def test_anonymous_cannot_update_a_session(net, api, offer):
    response = api().patch(f"/api/v1/sessions/{offer['rodez'].pk}/", {"places_available": 3}, format="json")
    assert response.status_code == 401


def test_session_update_errors_name_the_field(net, api, tokens, offer):
    url = f"/api/v1/sessions/{offer['rodez'].pk}/"
    start = offer["rodez"].start_date
    response = api(tokens["site"]).patch(
        url, {"end_date": (start - datetime.timedelta(days=1)).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert fields_of(response) == {"end_date"}
    response = api(tokens["site"]).patch(
        url, {"places_available": -1, "registration_state": "x"}, format="json"
    )
    assert fields_of(response) == {"places_available", "registration_state"}
