"""Rules the services keep whoever calls them."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from tests.youth.factories import YoungPersonFactory, born
from tremplin.youth import services
from tremplin.youth.models import YoungPerson


def test_create_without_consent_then_record_it_with_who_and_when(mission_locale, counsellor, rodez):
    person = services.young_person_create(
        mission_locale=mission_locale,
        created_by=counsellor,
        first_name=" Léa ",
        last_name="Martin",
        birth_date=born(18),
        home_commune=rodez,
        education_level=3,
        has_bac=False,
    )
    assert person.first_name == "Léa" and person.counsellor == counsellor
    assert not person.has_consent and person.consent_purpose == ""

    colleague = UserFactory()
    person = services.young_person_update(young_person=person, user=colleague, consent=True)

    assert person.has_consent and person.consent_recorded_by == colleague
    assert person.consent_purpose == services.DEFAULT_CONSENT_PURPOSE


def test_a_new_purpose_is_a_new_consent(counsellor):
    person = YoungPersonFactory(consent_purpose="Orientation", consent_recorded_by=None)
    first = person.consent_given_at

    same = services.young_person_update(
        young_person=person, user=counsellor, consent=True, consent_purpose="Orientation"
    )
    assert same.consent_given_at == first and same.consent_recorded_by is None

    changed = services.young_person_update(
        young_person=person, user=counsellor, consent=True, consent_purpose="Orientation et suivi"
    )
    assert changed.consent_given_at > first and changed.consent_recorded_by == counsellor


def test_accessibility_note_is_refused_without_consent_and_dropped_when_it_is_withdrawn(counsellor):
    person = YoungPersonFactory(accessibility_consent=True, accessibility_note="Salle accessible")

    with pytest.raises(ValidationError):
        services.young_person_create(
            mission_locale=person.mission_locale,
            created_by=counsellor,
            first_name="Hugo",
            last_name="Petit",
            birth_date=born(20),
            home_commune=person.home_commune,
            education_level=4,
            has_bac=True,
            accessibility_note="Interprète LSF",
        )
    services.young_person_update(young_person=person, user=counsellor, accessibility_consent=False)

    person.refresh_from_db()
    assert person.accessibility_note == ""


def test_update_refuses_fields_it_does_not_own(counsellor):
    person = YoungPersonFactory()

    with pytest.raises(ValueError):
        services.young_person_update(young_person=person, user=counsellor, mission_locale=None)


def test_archive_keeps_the_record(counsellor):
    person = services.young_person_archive(young_person=YoungPersonFactory(), user=counsellor)

    assert YoungPerson.objects.archived().get() == person
