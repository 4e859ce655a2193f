"""Creating, editing, listing and archiving young people through the pages, and who may open them."""

import re

import pytest
from django.urls import reverse

from tests.factories import CnamSiteFactory, MissionLocaleFactory, member
from tests.youth.factories import YoungPersonFactory, born
from tremplin.accounts.enums import Role
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPerson, YoungPersonAccess


def form_data(counsellor, **overrides):
    values = {
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": born(19).isoformat(),
        "home_commune": "Rodez (12)",
        "education_level": "4",
        "has_bac": "on",
        "interests": "D1102",
        "max_travel_km": "40",
        "distance_learning_ok": "on",
        "programme": "pacea",
        "counsellor": str(counsellor.pk),
        "consent": "on",
        "consent_purpose": "Orientation vers le Cnam",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_counsellor_registers_a_young_person_with_consent(login, counsellor, mission_locale, rodez, fiches):
    response = login(counsellor).post(reverse("youth:create"), form_data(counsellor))

    person = YoungPerson.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("youth:detail", args=[person.pk])
    assert person.mission_locale_id == mission_locale.pk
    assert person.counsellor == counsellor
    assert person.created_by == counsellor
    assert person.home_commune == rodez
    assert [f.code for f in person.interests.all()] == ["D1102"]
    assert person.max_travel_km == 40 and person.distance_learning_ok and person.programme == "pacea"
    assert person.has_consent and person.consent_recorded_by == counsellor
    assert person.consent_purpose == "Orientation vers le Cnam"


def test_without_consent_the_record_exists_but_says_referrals_are_impossible(
    login, counsellor, rodez, fiches
):
    client = login(counsellor)
    response = client.post(reverse("youth:create"), form_data(counsellor, consent=None), follow=True)

    person = YoungPerson.objects.get()
    assert not person.has_consent and person.consent_given_at is None
    html = response.content.decode()
    assert "Aucune orientation vers le Cnam n'est possible tant que l'accord" in html


def test_invalid_form_shows_errors_and_writes_nothing(login, counsellor, rodez, fiches):
    response = login(counsellor).post(
        reverse("youth:create"), form_data(counsellor, max_travel_km="-3", home_commune="Nullepart")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Le formulaire contient 2 erreurs" in html
    assert "La distance maximale de déplacement ne peut pas être négative." in html
    assert "aucune commune ne correspond à « Nullepart »" in html
    assert not YoungPerson.objects.exists()


def test_over_25_with_rqth_is_created_with_a_warning(login, counsellor, rodez):
    response = login(counsellor).post(
        reverse("youth:create"),
        form_data(counsellor, birth_date=born(28).isoformat(), rqth="on", interests=""),
        follow=True,
    )

    assert YoungPerson.objects.count() == 1
    assert "au-delà de 25 ans, son accompagnement repose sur sa RQTH" in response.content.decode()


def test_edit_changes_the_record_and_withdraws_consent(
    login, counsellor, mission_locale, rodez, millau, fiches
):
    person = YoungPersonFactory(mission_locale=mission_locale, counsellor=counsellor, home_commune=rodez)
    client = login(counsellor)

    page = client.get(reverse("youth:edit", args=[person.pk]))
    assert 'value="Rodez (12)"' in page.content.decode()

    response = client.post(
        reverse("youth:edit", args=[person.pk]),
        form_data(
            counsellor,
            first_name=person.first_name,
            last_name="Martin-Roux",
            home_commune="12100",
            birth_date=person.birth_date.isoformat(),
            interests="M1805 D1104",
            consent=None,
        ),
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Martin-Roux"
    assert person.home_commune == millau
    assert sorted(f.code for f in person.interests.all()) == ["D1104", "M1805"]
    assert not person.has_consent and person.consent_recorded_by is None
    assert YoungPersonAccess.objects.filter(
        young_person=person, user=counsellor, action=AccessAction.EDIT
    ).exists()


def test_a_person_who_aged_past_25_stays_editable(login, counsellor, mission_locale, rodez):
    person = YoungPersonFactory(mission_locale=mission_locale, counsellor=counsellor, birth_date=born(26))

    response = login(counsellor).post(
        reverse("youth:edit", args=[person.pk]),
        form_data(counsellor, birth_date=person.birth_date.isoformat(), interests="", first_name="Léna"),
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Léna"


def test_archive_hides_from_the_list_and_restore_brings_back(login, counsellor, mission_locale):
    person = YoungPersonFactory(mission_locale=mission_locale, counsellor=counsellor, last_name="Archambault")
    client = login(counsellor)

    response = client.post(reverse("youth:archive", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_archived

    assert "ARCHAMBAULT" not in client.get(reverse("youth:list")).content.decode()
    assert "ARCHAMBAULT" in client.get(reverse("youth:list"), {"archived": "on"}).content.decode()
    assert client.get(reverse("youth:archive", args=[person.pk])).status_code == 405

    client.post(reverse("youth:restore", args=[person.pk]))
    person.refresh_from_db()
    assert not person.is_archived


def test_list_searches_names_without_accents_and_filters_mine(login, counsellor, mission_locale):
    colleague = member(Role.COUNSELLOR, mission_locale)
    YoungPersonFactory(
        mission_locale=mission_locale, counsellor=counsellor, first_name="Élodie", last_name="Lefèvre"
    )
    YoungPersonFactory(
        mission_locale=mission_locale, counsellor=colleague, first_name="Hugo", last_name="Petit"
    )
    YoungPersonFactory(first_name="Inès", last_name="Autre")  # another mission locale
    client = login(counsellor)

    mine = client.get(reverse("youth:list")).content.decode()  # a counsellor sees theirs first
    assert "LEFÈVRE" in mine and "PETIT" not in mine

    everyone = client.get(reverse("youth:list"), {"scope": "ml"}).content.decode()
    assert "LEFÈVRE" in everyone and "PETIT" in everyone and "AUTRE" not in everyone

    found = client.get(reverse("youth:list"), {"scope": "ml", "q": "elodie LEFEVRE"}).content.decode()
    assert "LEFÈVRE" in found and "PETIT" not in found


def test_list_is_paginated_with_a_bounded_query_count(
    login, counsellor, mission_locale, django_assert_max_num_queries
):
    YoungPersonFactory.create_batch(30, mission_locale=mission_locale, counsellor=counsellor)
    client = login(counsellor)

    with django_assert_max_num_queries(8):
        first = client.get(reverse("youth:list"))
    second = client.get(reverse("youth:list"), {"page": 2})

    assert len(re.findall(r'href="/jeunes/\d+/"', first.content.decode())) == 25
    assert len(re.findall(r'href="/jeunes/\d+/"', second.content.decode())) == 5


def test_counsellor_of_another_mission_locale_gets_404(login, mission_locale):
    person = YoungPersonFactory(mission_locale=mission_locale)
    outsider = member(Role.COUNSELLOR, MissionLocaleFactory())
    client = login(outsider)

    for name in ("youth:detail", "youth:edit"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    for name in ("youth:archive", "youth:restore"):
        assert client.post(reverse(name, args=[person.pk])).status_code == 404
    assert client.post(reverse("youth:edit", args=[person.pk]), {"first_name": "X"}).status_code == 404
    assert person.last_name not in client.get(reverse("youth:list"), {"scope": "ml"}).content.decode()


@pytest.mark.parametrize("role", [Role.CNAM_REFERENT, Role.CNAM_REGIONAL, Role.STEERING])
def test_cnam_and_steering_roles_see_no_young_person(login, mission_locale, role):
    person = YoungPersonFactory(mission_locale=mission_locale)
    organisation = CnamSiteFactory(regional_centre=True) if role == Role.CNAM_REGIONAL else None
    client = login(member(role, organisation))

    assert client.get(reverse("youth:detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("youth:edit", args=[person.pk])).status_code == 404
    assert client.post(reverse("youth:archive", args=[person.pk])).status_code == 404
    assert client.get(reverse("youth:list")).status_code == 403
    assert client.get(reverse("youth:create")).status_code == 403
    assert "Jeunes</a>" not in client.get(reverse("pages:home")).content.decode()


def test_ml_manager_sees_the_whole_mission_locale_by_default(login, counsellor, mission_locale):
    YoungPersonFactory(mission_locale=mission_locale, counsellor=counsellor, last_name="Suivi")
    manager = member(Role.ML_MANAGER, mission_locale)

    html = login(manager).get(reverse("youth:list")).content.decode()

    assert "SUIVI" in html
    assert "Jeunes</a>" in html  # nav item


def test_anonymous_visitor_is_sent_to_login(client, mission_locale):
    person = YoungPersonFactory(mission_locale=mission_locale)

    response = client.get(reverse("youth:detail", args=[person.pk]))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_editing_keeps_a_counsellor_who_left(login, counsellor, mission_locale, rodez):
    departed = member(Role.COUNSELLOR, mission_locale, first_name="Alex", last_name="Parti")
    departed.memberships.update(is_active=False)
    person = YoungPersonFactory(mission_locale=mission_locale, counsellor=departed, home_commune=rodez)

    page = login(counsellor).get(reverse("youth:edit", args=[person.pk])).content.decode()

    assert f'<option value="{departed.pk}" selected>Alex Parti</option>' in page
