"""Limits on what a request may carry: the API's JSON bodies (size, content type), the number of
form fields. The upload page's own limit is in test_lheo_upload.py."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from tremplin.api.services import api_token_create
from tremplin.youth.models import YoungPerson

URL = "/api/v1/young-people/"


@pytest.fixture
def ml_api(net):
    cache.clear()  # rate-limit counters
    token = api_token_create(organisation=net["ml"], name="i-milo", can_write=True)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    yield client
    cache.clear()


def problem(response) -> dict:
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    return body


def test_oversized_json_body_is_refused_with_413(ml_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"first_name": "Léa", "last_name": "x" * 20_000})
    response = ml_api.post(URL, body, content_type="application/json")
    assert response.status_code == 413
    assert "trop volumineu" in problem(response)["detail"]
    assert not YoungPerson.objects.exists()


def test_body_within_the_limit_is_read(ml_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = ml_api.post(URL, json.dumps({"first_name": "Léa"}), content_type="application/json")
    assert response.status_code == 400  # read, then refused for its missing fields
    assert problem(response)["errors"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_non_json_body_is_refused_with_415(ml_api, content_type):
    response = ml_api.post(URL, "first_name=L%C3%A9a", content_type=content_type)
    assert response.status_code == 415
    body = problem(response)
    assert body["type"] == "urn:tremplin:problem:unsupported_media_type"
    assert body["title"] == "Format de requête non pris en charge"
    assert not YoungPerson.objects.exists()


def test_malformed_json_is_a_400_problem(ml_api):
    response = ml_api.post(URL, '{"first_name": "Léa",', content_type="application/json")
    assert response.status_code == 400
    assert problem(response)["detail"]


def test_too_many_form_fields_are_refused(login, counsellor, net, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    data = {f"field{n}": "x" for n in range(200)}
    response = login(counsellor).post(reverse("youth:create"), data)
    assert response.status_code == 400
    assert not YoungPerson.objects.exists()
