"""Fuzzing of the forms through their pages: the young person form, sending a referral, a message,
planning a meeting, refusing, editing a session, the catalogue search. Arbitrary text never gives a
server error (the test client re-raises it), an invalid form names the field in French, and HTML
typed by someone is shown escaped where it is displayed.

The API's JSON bodies are fuzzed from the schema by tests/api/test_schema_fuzz.py; its size and
content-type limits are in test_request_limits.py."""

import datetime
import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import HOSTILE
from tests.hostile.fuzz import HOSTILE_WORDS
from tests.referrals.factories import ReferralFactory
from tremplin.referrals.models import Referral
from tremplin.youth.models import YoungPerson

SCRIPT = "<script>alert('x')</script>"
# What Django says when its messages are not translated: none of it may reach a French page.
ENGLISH = re.compile(
    r"This field|Enter a valid|Ensure this value|Select a valid|is not one of|Null characters|required\.",
)

form_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE_WORDS),
    st.tuples(st.sampled_from(["x", "é", "<b>"]), st.integers(100, 3000)).map(lambda p: p[0] * p[1]),
    st.sampled_from(["-1", "0", "99999999999999999999", "1e400", "2027-02-30", "31/12/9999", "NaN"]),
)


def assert_french_errors(page: str) -> None:
    """A refused form shows why next to the field (its group is in error, under its label) or at the
    top of the form, and in French."""
    assert (
        re.search(r'--error">\s*<(label|fieldset|legend)', page)
        or 'id="form-errors"' in page
        or ("fr-alert--error" in page)
    ), "a refused form shows which field is wrong"
    english = ENGLISH.search(page)
    assert not english, english.group(0)


def assert_escaped(page: str, value: str) -> None:
    """What was typed and contains markup appears escaped, never as markup."""
    assert SCRIPT not in page
    if value == SCRIPT:
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


# -- the young person form ------------------------------------------------------------------------------


def person_data(counsellor, /, **overrides) -> dict:
    values = {
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": "2006-05-04",
        "home_commune": "Rodez",
        "education_level": "4",
        "max_travel_km": "40",
        "programme": "pacea",
        "counsellor": str(counsellor.pk),
        "consent": "on",
        "consent_purpose": "Orientation vers le Cnam",
    }
    values.update(overrides)
    return values


PERSON_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "home_commune",
    "education_level",
    "interests",
    "interests_text",
    "max_travel_km",
    "preferred_start",
    "programme",
    "counsellor",
    "accessibility_note",
    "consent_purpose",
]


@HOSTILE
@given(values=st.dictionaries(st.sampled_from(PERSON_FIELDS), form_text, min_size=1, max_size=4))
def test_young_person_form(login, counsellor, net, values):
    client = login(counsellor)
    before = YoungPerson.objects.count()
    response = client.post(reverse("youth:create"), person_data(counsellor, **values))
    if response.status_code == 302:
        person = YoungPerson.objects.order_by("pk").last()
        page = client.get(reverse("youth:detail", args=[person.pk])).content.decode()
        for value in values.values():
            assert_escaped(page, value)
        return
    assert response.status_code == 200
    assert YoungPerson.objects.count() == before
    page = response.content.decode()
    assert_french_errors(page)
    assert SCRIPT not in page  # the values typed are shown back in the fields, escaped


def test_html_in_a_young_persons_name_is_shown_escaped(login, counsellor, net):
    client = login(counsellor)
    response = client.post(
        reverse("youth:create"), person_data(counsellor, first_name=SCRIPT, interests_text=SCRIPT)
    )
    assert response.status_code == 302
    person = YoungPerson.objects.get()
    assert person.first_name == SCRIPT  # stored as typed: plain text, escaped at display
    for url in (reverse("youth:detail", args=[person.pk]), reverse("youth:list")):
        page = client.get(url).content.decode()
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page


# -- referrals: sending, messages, meeting, refusal ----------------------------------------------------------


@HOSTILE
@given(message=form_text, site=st.one_of(st.none(), form_text), notify=st.sampled_from(["on", "", "x"]))
def test_referral_send_form(login, counsellor, person, session, message, site, notify):
    client = login(counsellor)
    url = reverse("referrals:create") + f"?person={person.pk}&session={session.pk}"
    before = Referral.objects.count()
    data = {"message": message, "notify_young_person": notify, "confirm": "on"}
    if site is not None:
        data["site"] = site
    response = client.post(url, data)
    if response.status_code == 302:
        referral = Referral.objects.order_by("pk").last()
        page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert_escaped(page, message)
        referral.delete()  # the next example may send again
        return
    assert response.status_code == 200, response.status_code
    assert Referral.objects.count() == before
    assert_french_errors(response.content.decode())


@pytest.fixture
def referral(person, session):
    return ReferralFactory(young_person=person, session=session)


@HOSTILE
@given(body=form_text)
def test_message_form(login, counsellor, referent, referral, body):
    response = login(counsellor).post(reverse("referrals:message", args=[referral.pk]), {"body": body})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_french_errors(response.content.decode())
    page = login(referent).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert_escaped(page, body)


def test_messages_are_plain_text_shown_escaped_to_both_sides(login, counsellor, referent, referral):
    url = reverse("referrals:message", args=[referral.pk])
    refused = login(counsellor).post(url, {"body": SCRIPT})
    assert refused.status_code == 200
    assert_french_errors(refused.content.decode())
    assert SCRIPT not in refused.content.decode()
    assert login(counsellor).post(url, {"body": "Si 2 < 3 & 4 > 1, on se voit mardi"}).status_code == 302
    for user in (referent, counsellor):
        page = login(user).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert "Si 2 &lt; 3 &amp; 4 &gt; 1, on se voit mardi" in page


MEETING_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "meeting_at": st.one_of(form_text, st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))),
        "meeting_place": form_text,
        "meeting_url": form_text,
        "comment": form_text,
    },
)


@HOSTILE
@given(values=MEETING_FIELDS)
def test_meeting_form(login, referent, referral, values):
    client = login(referent)
    data = {f"plan_meeting-{name}": value for name, value in values.items()}
    response = client.post(reverse("referrals:action", args=[referral.pk, "plan_meeting"]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_french_errors(response.content.decode())
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    for value in values.values():
        assert_escaped(page, value)


@HOSTILE
@given(
    reason=st.one_of(st.sampled_from(["other", "full", ""]), form_text), detail=form_text, comment=form_text
)
def test_refusal_form(login, referent, referral, reason, detail, comment):
    client = login(referent)
    data = {"refuse-reason": reason, "refuse-detail": detail, "refuse-comment": comment}
    response = client.post(reverse("referrals:action", args=[referral.pk, "refuse"]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_french_errors(response.content.decode())
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert_escaped(page, detail)
    assert_escaped(page, comment)


# -- the catalogue: a session's edit form, the search -----------------------------------------------------


@HOSTILE
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            "start_date": form_text,
            "end_date": form_text,
            "registration_state": form_text,
            "places_available": form_text,
            "permanent_entry": form_text,
        },
    ).filter(bool)  # an empty POST shows the form again, unbound (catalog/views.py: ``request.POST or None``)
)
def test_session_edit_form(login, referent, session, values):
    client = login(referent)
    url = reverse("catalog:session_edit", args=[session.pk])
    response = client.post(url, values)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_french_errors(response.content.decode())
    page = client.get(url).content.decode()
    for value in values.values():
        assert_escaped(page, value)


SEARCH_PARAMS = ["q", "commune", "radius", "level", "domain", "mode", "start_from", "page", "open", "unknown"]


@HOSTILE
@given(params=st.dictionaries(st.sampled_from(SEARCH_PARAMS), form_text, max_size=5))
def test_catalogue_search_parameters(client, session, params):
    response = client.get(reverse("catalog:catalogue"), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert SCRIPT not in page
    assert not ENGLISH.search(page)


def test_catalogue_search_with_html_shows_it_escaped(client, session):
    page = client.get(reverse("catalog:catalogue"), {"q": SCRIPT, "commune": SCRIPT}).content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_dates_far_away_are_refused_naming_the_field(login, referent, session):
    client = login(referent)
    response = client.post(
        reverse("catalog:session_edit", args=[session.pk]),
        {"start_date": "9999-12-31", "end_date": "0001-01-01", "registration_state": "open"},
    )
    assert response.status_code == 200
    assert_french_errors(response.content.decode())
    session.refresh_from_db()
    assert session.start_date != datetime.date(9999, 12, 31)
