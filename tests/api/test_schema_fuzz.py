"""A schema-driven fuzz of the whole API with schemathesis: valid and invalid requests generated from
/api/v1/schema/ for every operation, sent in-process through WSGI with a mission locale's token or a
Cnam site's, must never get a 500, and every answer must conform to the schema (status code,
content type, headers, body)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.referrals.factories import ReferralFactory
from tests.youth.factories import cnam_session

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and token; API_FUZZ_EXAMPLES=500 for a deeper search by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "20"))


@pytest.fixture
def world(net, rome, tokens, person, session, settings):
    """Some of everything, so that generated ids sometimes hit real objects."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None, "user": None, "anon": None},
    }
    settings.ALLOWED_HOSTS = ["*"]
    cnam_session(net["other_site"], title="Comptabilité", rome="M1203")
    ReferralFactory(young_person=person, session=session)
    return tokens


@pytest.fixture
def api_schema(world):
    # As Django's test client does: requests must not close the test's database connection (its
    # transaction holds the test data), which the WSGI handler does at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_with_a_mission_locale_token(case, world):
    """Young people and sending referrals: the mission locale's side."""
    case.call_and_validate(headers={"Authorization": f"Bearer {world['ml']}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_with_a_cnam_site_token(case, world):
    """Sessions and transitions: the Cnam's side."""
    case.call_and_validate(headers={"Authorization": f"Bearer {world['site']}"}, checks=CHECKS)
