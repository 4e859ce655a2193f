"""A young person from registration to enrolment, by two systems that know only the documentation:
the mission locale's (i-milo) and the Cnam site's. Every path and field used is read from the
published schema first, as a script written from /api/v1/docs/ would."""

import datetime
import uuid

from django.utils import timezone

from tests.youth.factories import born


def documented(schema: dict, method: str, path: str) -> dict:
    operation = schema["paths"][path][method]
    assert operation["summary"] and operation["description"]
    return operation


def request_fields(schema: dict, operation: dict) -> set:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def test_from_registration_to_enrolment(net, rome, api, tokens, session, client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    imilo, cnam = api(tokens["ml"]), api(tokens["site"])

    # 1. Register the young person, with their consent (retried once, as after a timeout).
    create = documented(schema, "post", "/api/v1/young-people/")
    person = {
        "first_name": "Lina",
        "last_name": "Roussel",
        "birth_date": born(20).isoformat(),
        "home_commune": "12202",
        "education_level": 4,
        "has_bac": True,
        "interests": ["M1805"],
        "distance_learning_ok": True,
        "consent": True,
    }
    assert set(person) <= request_fields(schema, create)
    key = str(uuid.uuid4())
    created = imilo.post("/api/v1/young-people/", person, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == 201, created.content
    again = imilo.post("/api/v1/young-people/", person, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.json()["id"] == created.json()["id"]
    person_id = created.json()["id"]

    # 2. Find a session: the ranking for this person.
    documented(schema, "get", "/api/v1/young-people/{id}/recommendations/")
    ranking = imilo.get(f"/api/v1/young-people/{person_id}/recommendations/").json()
    session_id = ranking["results"][0]["session_id"]
    assert session_id == session.pk
    assert imilo.get(f"/api/v1/sessions/{session_id}/").json()["receives_referrals"] is True

    # 3. Refer them.
    send = documented(schema, "post", "/api/v1/referrals/")
    assert {"young_person", "session"} <= request_fields(schema, send)
    sent = imilo.post("/api/v1/referrals/", {"young_person": person_id, "session": session_id}, format="json")
    assert sent.status_code == 201, sent.content
    referral_url = sent["Location"]
    referral_id = sent.json()["id"]

    # 4. The Cnam site sees it among its new referrals and moves it along.
    new = cnam.get("/api/v1/referrals/", {"status": "sent"}).json()["results"]
    assert [r["id"] for r in new] == [referral_id]
    transitions = documented(schema, "post", "/api/v1/referrals/{id}/transitions/")
    assert {"action", "meeting_at", "meeting_place", "entry_date", "comment"} <= request_fields(
        schema, transitions
    )
    meeting = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0).isoformat()
    for step in (
        {"action": "acknowledge"},
        {"action": "plan_meeting", "meeting_at": meeting, "meeting_place": "Cnam Rodez, accueil"},
        {"action": "admit", "comment": "Admission prononcée après l'entretien."},
        {"action": "enroll", "entry_date": timezone.localdate().isoformat()},
    ):
        current = cnam.get(f"/api/v1/referrals/{referral_id}/")
        assert step["action"] in current.json()["allowed_actions"]
        moved = cnam.post(
            f"/api/v1/referrals/{referral_id}/transitions/",
            step,
            format="json",
            HTTP_IF_MATCH=current["ETag"],
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert moved.status_code == 200, moved.content

    # 5. The mission locale follows: enrolled, with the whole timeline.
    final = imilo.get(referral_url).json()
    assert (final["status"], final["entry_date"]) == ("enrolled", timezone.localdate().isoformat())
    timeline = imilo.get(f"/api/v1/referrals/{referral_id}/events/").json()
    assert [e["to_status"] for e in timeline] == [
        "sent",
        "acknowledged",
        "meeting_planned",
        "admitted",
        "enrolled",
    ]
