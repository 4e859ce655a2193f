"""Possible duplicates are flagged at creation, across every mission locale, without revealing
another mission locale's record."""

import pytest
from django.urls import reverse

from tests.factories import CommuneFactory, MissionLocaleFactory, UserFactory
from tests.youth.factories import YoungPersonFactory, born
from tests.youth.test_views import form_data
from tremplin.youth.models import YoungPerson
from tremplin.youth.names import similar_names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Léa", "Martin"), ("LEA", "martin")),  # accents and case
        (("Léa", "Martin"), ("Martin", "Léa")),  # first and last names swapped
        (("Jean-Pierre", "N'Diaye"), ("Jean Pierre", "Ndiaye")),  # punctuation
        (("Jean", "Dupont"), ("Jean-Pierre", "Dupont")),  # part of a compound name
        (("Mohamed", "Benali"), ("Mohammed", "Benali")),  # one letter
    ],
)
def test_similar_names(a, b):
    assert similar_names(*a, *b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Léa", "Martin"), ("Léo", "Marin")),  # one letter in each, too short for that to mean little
        (("Léa", "Martin"), ("Emma", "Martin")),
        (("Lucas", "Bernard"), ("Lucas", "Girard")),
    ],
)
def test_different_names(a, b):
    assert not similar_names(*a, *b)


def test_same_mission_locale_duplicate_links_to_the_record(login, counsellor, mission_locale, rodez, fiches):
    existing = YoungPersonFactory(
        mission_locale=mission_locale, first_name="Léa", last_name="Martin", birth_date=born(19)
    )
    client = login(counsellor)

    response = client.post(
        reverse("youth:create"), form_data(counsellor, first_name="LEA", last_name="Martin")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cette personne est peut-être déjà inscrite" in html
    assert f'href="{reverse("youth:detail", args=[existing.pk])}"' in html
    assert "Déjà connu·e d&#x27;une autre mission locale" not in html and "autre mission locale" not in html
    assert 'type="checkbox" name="confirm_duplicate"' in html
    assert YoungPerson.objects.count() == 1

    confirmed = client.post(
        reverse("youth:create"),
        form_data(counsellor, first_name="LEA", last_name="Martin", confirm_duplicate="on"),
    )
    assert confirmed.status_code == 302
    assert YoungPerson.objects.count() == 2


def test_other_mission_locale_duplicate_reveals_nothing_of_it(login, counsellor, rodez, fiches):
    elsewhere = MissionLocaleFactory(name="Mission locale de Perpignan")
    secret = YoungPersonFactory(
        mission_locale=elsewhere,
        first_name="Martin",  # swapped, with an accent the counsellor does not type
        last_name="Léa",
        birth_date=born(19),
        email="lea.secret@example.org",
        phone="06 99 88 77 66",
        home_commune=CommuneFactory(name="Canet-en-Roussillon"),
        counsellor=UserFactory(first_name="Dominique", last_name="Confidentiel"),
        interests_text="plongée sous-marine",
    )

    response = login(counsellor).post(reverse("youth:create"), form_data(counsellor, first_name="Lea"))

    html = response.content.decode()
    assert "Déjà connu·e d'une autre mission locale." in html
    for leak in (
        "Léa",
        "Perpignan",
        "lea.secret",
        "06 99 88 77 66",
        "Canet",
        "Confidentiel",
        "plongée",
        reverse("youth:detail", args=[secret.pk]),
    ):
        assert leak not in html, leak
    assert YoungPerson.objects.count() == 1


def test_same_name_with_another_birth_date_is_not_a_duplicate(
    login, counsellor, mission_locale, rodez, fiches
):
    YoungPersonFactory(
        mission_locale=mission_locale, first_name="Léa", last_name="Martin", birth_date=born(20)
    )

    response = login(counsellor).post(reverse("youth:create"), form_data(counsellor))

    assert response.status_code == 302
    assert YoungPerson.objects.count() == 2


def test_archived_record_of_the_mission_locale_is_flagged(login, counsellor, mission_locale, rodez, fiches):
    from django.utils import timezone

    YoungPersonFactory(
        mission_locale=mission_locale,
        first_name="Léa",
        last_name="Martin",
        birth_date=born(19),
        archived_at=timezone.now(),
    )

    html = login(counsellor).post(reverse("youth:create"), form_data(counsellor)).content.decode()

    assert "(fiche archivée)" in html
