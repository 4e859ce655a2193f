"""The ROME picker's search endpoint and the young person's matching profile."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, MissionLocaleFactory, member
from tests.youth.factories import YoungPersonFactory, born
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import QualificationLevel
from tremplin.youth.models import YoungPerson, age_on


def search(client, text):
    response = client.get(reverse("youth:rome_search"), {"q": text})
    assert response.status_code == 200
    return response.json()


def test_typing_a_job_finds_its_fiche_through_the_appellations(login, counsellor, fiches):
    found = search(login(counsellor), "boulanger")

    assert found[0] == {"code": "D1102", "label": "Boulangerie - viennoiserie", "match": ""}
    assert "D1502" in [f["code"] for f in found]  # "Chef de rayon boulangerie"
    assert [f["code"] for f in found].count("D1102") == 1


def test_accents_case_and_word_starts(login, counsellor, fiches):
    client = login(counsellor)

    assert search(client, "PATISSIER")[0]["code"] == "D1104"
    developer = search(client, "develop web")
    assert developer == [
        {
            "code": "M1805",
            "label": "Études et développement informatique",
            "match": "Développeur / Développeuse web",
        }
    ]
    assert search(client, "x") == []
    assert search(client, "astronaute") == []


def test_codes_and_their_start(login, counsellor, fiches):
    client = login(counsellor)

    assert [f["code"] for f in search(client, "d11")] == ["D1102", "D1104"]
    assert [f["code"] for f in search(client, "m1805")] == ["M1805"]


def test_rome_search_needs_login(client, fiches):
    response = client.get(reverse("youth:rome_search"), {"q": "boulanger"})

    assert response.status_code == 302


def test_search_sees_a_referential_imported_after_the_first_search(login, counsellor, fiches):
    from tremplin.catalog.models import RomeAppellation

    client = login(counsellor)
    assert search(client, "fournier") == []
    RomeAppellation.objects.create(code="99999", label="Fournier / Fournière", fiche=fiches["D1102"])

    assert search(client, "fournier")[0]["code"] == "D1102"


def test_matching_profile(rodez, fiches):
    person = YoungPersonFactory(
        home_commune=rodez,
        birth_date=born(20, days=1),
        education_level=QualificationLevel.LEVEL_3,
        has_bac=False,
        interests=[fiches["M1805"], fiches["D1102"]],
        interests_text="cuisine",
        max_travel_km=45,
        distance_learning_ok=True,
        preferred_start=datetime.date(2030, 9, 1),
    )

    profile = person.matching_profile()

    assert (profile.latitude, profile.longitude) == (rodez.latitude, rodez.longitude)
    assert profile.level == 3 and profile.has_bac is False
    assert profile.rome_codes == ("D1102", "M1805")
    assert profile.text == "cuisine" and profile.radius_km == 45.0 and profile.distance_learning
    assert profile.preferred_start == datetime.date(2030, 9, 1)
    assert profile.age == 20


def test_age_counts_whole_years():
    assert age_on(datetime.date(2005, 6, 15), datetime.date(2025, 6, 14)) == 19
    assert age_on(datetime.date(2005, 6, 15), datetime.date(2025, 6, 15)) == 20
    assert age_on(datetime.date(2004, 2, 29), datetime.date(2025, 2, 28)) == 20
    assert age_on(datetime.date(2004, 2, 29), datetime.date(2025, 3, 1)) == 21


def test_visible_to_is_the_member_s_mission_locale_only(mission_locale):
    mine = YoungPersonFactory(mission_locale=mission_locale)
    YoungPersonFactory(mission_locale=MissionLocaleFactory())
    counsellor = MembershipFactory(organisation=mission_locale, role=Role.COUNSELLOR)
    steering = member(Role.STEERING).memberships.get()

    assert list(YoungPerson.objects.visible_to(counsellor)) == [mine]
    assert not YoungPerson.objects.visible_to(steering).exists()
    assert not YoungPerson.objects.visible_to(None).exists()


@pytest.mark.parametrize("archived", [False, True])
def test_active_excludes_archived(archived, mission_locale):
    from django.utils import timezone

    YoungPersonFactory(archived_at=timezone.now() if archived else None)

    assert YoungPerson.objects.active().exists() is not archived
