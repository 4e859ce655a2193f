"""What every endpoint shares: rate limits, problem+json for every error, content negotiation."""

import pytest
from django.test import override_settings

from tests.api.conftest import problem_of
from tremplin.api import throttling


def rates(**changes):
    from django.conf import settings

    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **changes}
    return override_settings(REST_FRAMEWORK=framework)


def test_a_token_over_its_rate_gets_429_with_retry_after(net, api, tokens, monkeypatch):
    monkeypatch.setattr(throttling.ClientRateThrottle, "timer", lambda self: 1_000_020.0)
    with rates(token="3/min"):
        client = api(tokens["ml"])
        assert [client.get("/api/v1/sites/").status_code for _ in range(3)] == [200, 200, 200]
        response = client.get("/api/v1/sites/")
        assert response.status_code == 429
        # 1_000_020 s opens a one-minute window: the next starts at 1_000_080.
        assert response["Retry-After"] == "60"
        assert problem_of(response)["retry_after"] == 60
        # Another token has its own counter.
        assert api(tokens["other_ml"]).get("/api/v1/sites/").status_code == 200
    monkeypatch.setattr(throttling.ClientRateThrottle, "timer", lambda self: 1_000_085.0)
    with rates(token="3/min"):
        assert api(tokens["ml"]).get("/api/v1/sites/").status_code == 200


def test_anonymous_calls_are_limited_by_address(net, api):
    with rates(anon="2/min"):
        statuses = [api().get("/api/v1/sites/", REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert api().get("/api/v1/sites/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_a_limit_can_be_switched_off(net, api, tokens):
    with rates(token=None):
        client = api(tokens["ml"])
        assert {client.get("/api/v1/sites/").status_code for _ in range(5)} == {200}


def test_an_unknown_address_under_the_api_is_a_problem(net, api):
    response = api().get("/api/v1/nimportequoi/")
    assert response.status_code == 404
    assert "/api/v1/docs/" in problem_of(response)["detail"]


def test_an_unknown_object_is_a_problem(net, api, tokens):
    response = api(tokens["ml"]).get("/api/v1/young-people/999999/")
    assert response.status_code == 404
    assert problem_of(response)["type"] == "urn:tremplin:problem:not_found"


def test_a_wrong_method_is_a_problem(net, api):
    response = api().delete("/api/v1/sites/")
    assert response.status_code == 405
    problem_of(response)


def test_malformed_json_is_a_problem(net, api, tokens):
    response = api(tokens["ml"]).post(
        "/api/v1/young-people/", "{pas du json", content_type="application/json"
    )
    assert response.status_code == 400
    problem_of(response)


def test_a_form_body_is_refused_with_415(net, api, tokens):
    response = api(tokens["ml"]).post("/api/v1/young-people/", {"first_name": "Léa"})  # multipart
    assert response.status_code == 415
    problem_of(response)


def test_a_body_that_is_not_an_object_names_no_field(net, api, tokens):
    response = api(tokens["ml"]).post("/api/v1/young-people/", [1, 2], format="json")
    assert response.status_code == 400
    assert problem_of(response)["errors"][0]["field"] is None


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_only_json_is_served(net, api, accept):
    response = api().get("/api/v1/sites/", HTTP_ACCEPT=accept)
    assert response.status_code == 406
