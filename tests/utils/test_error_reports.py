"""Error reports (emails to ADMINS, debug pages) name no young person."""

import sys

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views import debug

from tests.youth.factories import born
from tremplin.utils.error_reports import PersonalDataExceptionReporter, PersonalDataReporterFilter
from tremplin.youth import views as youth_views

BIRTH = born(19)
SECRETS = ("Quintardière", "Zoélie", "06 98 76 54 32", BIRTH.isoformat(), "zoelie.q@example.org", "Fauteuil")


@pytest.fixture
def reporter_settings():
    """The reporter and its filter are those base.py sets (read by the email handler when logging is
    configured at start-up); only the recipients are added."""
    debug.get_default_exception_reporter_filter.cache_clear()
    with override_settings(ADMINS=[("Exploitation", "exploitation@tremplin.example.fr")]):
        yield
    debug.get_default_exception_reporter_filter.cache_clear()


def posted_form(counsellor):
    return {
        "first_name": "Zoélie",
        "last_name": "Quintardière",
        "birth_date": BIRTH.isoformat(),
        "email": "zoelie.q@example.org",
        "phone": "06 98 76 54 32",
        "home_commune": "12202",
        "education_level": "4",
        "max_travel_km": "30",
        "programme": "none",
        "counsellor": str(counsellor.pk),
        "accessibility_consent": "on",
        "accessibility_note": "Fauteuil roulant",
    }


def test_the_error_email_for_a_posted_young_person_form_names_no_one(
    reporter_settings, client, counsellor, net, monkeypatch
):
    def broken(**kwargs):
        person_name = kwargs["first_name"] + " " + kwargs["last_name"]  # a local the report would show
        raise RuntimeError(f"database unavailable (record {len(person_name)} chars)")

    monkeypatch.setattr(youth_views.services, "young_person_create", broken)
    client.force_login(counsellor)
    client.raise_request_exception = False

    response = client.post(
        reverse("youth:create") + "?q=Quintardi%C3%A8re",
        posted_form(counsellor),
        HTTP_REFERER="http://testserver/jeunes/?q=Quintardi%C3%A8re+Zo%C3%A9lie",
    )

    assert response.status_code == 500
    [email] = mail.outbox
    html = email.alternatives[0][0] if email.alternatives else ""
    report = email.subject + email.body + html
    assert "RuntimeError" in report and "database unavailable" in report  # still useful to fix the bug
    assert "youth/nouveau" in report or "jeunes/nouveau" in report
    assert "Quintardi" not in report  # nor percent-encoded, in the URL or the previous page's
    for secret in SECRETS:
        assert secret not in report
        assert secret.replace("'", "&#x27;") not in html


def test_the_debug_page_hides_post_get_and_locals(reporter_settings, counsellor):
    request = RequestFactory().post("/jeunes/nouveau/?q=Quintardi%C3%A8re", posted_form(counsellor))
    request.user = counsellor
    try:
        first_name = "Zoélie"  # noqa: F841 - read by the report, from this frame
        count = 3  # noqa: F841
        raise ValueError("boom")
    except ValueError:
        reporter = PersonalDataExceptionReporter(request, *sys.exc_info())
    text, html = reporter.get_traceback_text(), reporter.get_traceback_html()
    for secret in SECRETS:
        assert secret not in text and secret not in html
    assert "first_name" in text  # the names of the fields and variables stay, their values go
    assert "<td>count</td>" in html and "<pre>3</pre>" in html  # numbers stay: ids and counts help
    filt = PersonalDataReporterFilter()
    assert set(filt.get_post_parameters(request).values()) == {filt.cleansed_substitute}
