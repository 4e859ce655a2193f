import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.catalog.factories import (
    CertificationFactory,
    TrainingActionFactory,
    TrainingFactory,
    TrainingProviderFactory,
    TrainingSessionFactory,
)
from tests.factories import CnamSiteFactory, CommuneFactory, DepartmentFactory, member
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import QualificationLevel, RegistrationState, TeachingMode
from tremplin.catalog.models import RomeDomain, RomeFiche, RomeGrandDomain, SessionChange, TrainingSession
from tremplin.catalog.services import catalog_version

CATALOGUE = reverse("catalog:catalogue")


def titles(response) -> list[str]:
    return [training.title for training in response.context["result"].trainings]


@pytest.fixture
def offer(occitanie):
    """A Cnam training in Rodez, one in Toulouse, one at a distance, and another provider's in Rodez."""
    rodez = TrainingSessionFactory(
        action__training__title="Développement web",
        action__training__exit_level=QualificationLevel.LEVEL_6,
        action__training__rome_codes="M1805",
        action__cnam_site=occitanie["site_rodez"],
    )
    toulouse = TrainingSessionFactory(
        action__training__title="Comptabilité et gestion",
        action__training__exit_level=QualificationLevel.LEVEL_5,
        action__training__rome_codes="M1203",
        action__cnam_site=occitanie["centre"],
        start_date=timezone.localdate() + datetime.timedelta(days=200),
    )
    distance = TrainingSessionFactory(
        action__training__title="Management de projet",
        action__training__rome_codes="M1402",
        action__teaching_mode=TeachingMode.DISTANCE,
        action__cnam_site=occitanie["centre"],
    )
    other = TrainingSessionFactory(
        action__training__title="Assistant de vie aux familles",
        action__training__provider=TrainingProviderFactory(other=True),
        action__cnam_site=None,
        action__commune=occitanie["rodez"],
    )
    return {"rodez": rodez, "toulouse": toulouse, "distance": distance, "other": other}


def test_catalogue_is_public_and_shows_the_cnam_offer(client, offer):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert titles(response) == ["Comptabilité et gestion", "Développement web", "Management de projet"]
    response = client.get(CATALOGUE, {"others": "on"})
    assert "Assistant de vie aux familles" in titles(response)
    assert "pour information" in response.content.decode()


def test_catalogue_hides_trainings_without_sessions_to_come(client, occitanie):
    TrainingSessionFactory(action__training__title="Passée", past=True)
    TrainingSessionFactory(action__training__title="À venir")
    assert titles(client.get(CATALOGUE)) == ["À venir"]


def test_words_ignore_case_and_accents(client, offer):
    assert titles(client.get(CATALOGUE, {"q": "DEVELOPPEMENT"})) == ["Développement web"]
    assert titles(client.get(CATALOGUE, {"q": "comptabilité gestion"})) == ["Comptabilité et gestion"]
    assert titles(client.get(CATALOGUE, {"q": "plomberie"})) == []


def test_commune_and_radius(client, offer):
    response = client.get(CATALOGUE, {"commune": "Rodez", "radius": "30"})
    # Nearest first, distance learning after; Toulouse is 130 km away.
    assert titles(response) == ["Développement web", "Management de projet"]
    html = response.content.decode()
    assert "À 0 km" in html and "Formation à distance" in html
    assert response.context["form"].cleaned_data["commune"] == "Rodez (12000)"
    assert titles(client.get(CATALOGUE, {"commune": "Rodez (12000)", "radius": "100"}))[:1] == [
        "Développement web"
    ]
    wide = titles(client.get(CATALOGUE, {"commune": "12202", "radius": "100"}))
    assert wide == ["Développement web", "Management de projet"]  # Toulouse: 127 km
    assert "Comptabilité et gestion" in titles(client.get(CATALOGUE, {"commune": "Toulouse", "radius": "10"}))


def test_ambiguous_commune_lists_the_matches(client, occitanie):
    department = DepartmentFactory(code="93", name="Seine-Saint-Denis")
    CommuneFactory(
        insee_code="93066",
        name="Saint-Denis",
        search_name="saint denis",
        postal_codes="93200",
        department=department,
    )
    CommuneFactory(
        insee_code="97411",
        name="Saint-Denis",
        search_name="saint denis",
        postal_codes="97400",
        department=DepartmentFactory(code="974", name="La Réunion"),
    )
    response = client.get(CATALOGUE, {"commune": "Saint-Denis"})
    html = response.content.decode()
    assert "Plusieurs communes correspondent à « Saint-Denis »" in html
    assert "Saint-Denis (93200) – Seine-Saint-Denis" in html
    assert "commune=Saint-Denis+%2893066%29" in html
    response = client.get(CATALOGUE, {"commune": "Saint-Denis (93066)"})
    assert response.context["result"] is not None
    assert (
        "Aucune commune ne correspond à « Atlantis »"
        in client.get(CATALOGUE, {"commune": "Atlantis"}).content.decode()
    )


def test_level_domain_mode_and_start_date_filters(client, offer):
    grand = RomeGrandDomain.objects.create(code="M", label="Support à l'entreprise")
    RomeDomain.objects.create(
        code="M18", label="Systèmes d'information et de télécommunication", grand_domain=grand
    )
    RomeDomain.objects.create(code="M12", label="Comptabilité et gestion", grand_domain=grand)
    assert titles(client.get(CATALOGUE, {"level": "6"})) == ["Développement web"]
    assert titles(client.get(CATALOGUE, {"domain": "M18"})) == ["Développement web"]
    assert len(titles(client.get(CATALOGUE, {"domain": "M"}))) == 3
    assert titles(client.get(CATALOGUE, {"mode": "distance"})) == ["Management de projet"]
    later = (timezone.localdate() + datetime.timedelta(days=100)).isoformat()
    assert titles(client.get(CATALOGUE, {"start_from": later})) == ["Comptabilité et gestion"]


def test_level_falls_back_to_the_certification_level(client, occitanie):
    certification = CertificationFactory(level=QualificationLevel.LEVEL_7)
    TrainingSessionFactory(action__training__title="Master", action__training__certification=certification)
    assert titles(client.get(CATALOGUE, {"level": "7"})) == ["Master"]


def test_demo_offer_is_labelled(client, occitanie):
    site = CnamSiteFactory(is_demo=True, commune=occitanie["rodez"])
    session = TrainingSessionFactory(action__cnam_site=site)
    assert "démo" in client.get(CATALOGUE).content.decode()
    detail = client.get(reverse("catalog:training_detail", args=[session.action.training_id]))
    assert "démo" in detail.content.decode()


@pytest.mark.parametrize(
    "params", [{}, {"commune": "Rodez", "radius": "100"}, {"q": "formation", "mode": "on_site"}]
)
def test_catalogue_query_count_does_not_grow_with_the_catalogue(
    client, occitanie, django_assert_max_num_queries, params
):
    def add(n):
        for _ in range(n):
            training = TrainingFactory()
            for _ in range(2):
                TrainingSessionFactory.create_batch(
                    2, action=TrainingActionFactory(training=training, cnam_site=occitanie["site_rodez"])
                )

    add(3)
    client.get(CATALOGUE, params)  # warms the commune index
    with django_assert_max_num_queries(10) as small:
        client.get(CATALOGUE, params)
    add(30)
    with django_assert_max_num_queries(10) as large:
        response = client.get(CATALOGUE, params)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["result"].page.paginator.count == 33


def test_training_page(client, occitanie):
    grand = RomeGrandDomain.objects.create(code="M", label="Support à l'entreprise")
    domain = RomeDomain.objects.create(code="M18", label="Systèmes d'information", grand_domain=grand)
    RomeFiche.objects.create(code="M1805", label="Études et développement informatique", domain=domain)
    session = TrainingSessionFactory(
        action__training__title="Licence informatique",
        action__training__entry_level=QualificationLevel.LEVEL_5,
        action__training__entry_level_required=True,
        action__training__min_age_without_level=20,
        action__funders="2 16",
        places_available=8,
    )
    TrainingSessionFactory(action=session.action, past=True)
    response = client.get(reverse("catalog:training_detail", args=[session.action.training_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Licence informatique" in html
    assert "Niveau 5 (bac+2 : BTS, DUT, DEUST) (obligatoire)" in html
    assert "Entrée possible sans ce niveau à partir de 20 ans" in html
    assert "Conseil régional, OPCO" in html
    assert "1 session passée" in html
    assert "M1805 – Études et développement informatique" in html
    other = TrainingSessionFactory(action__training__provider=TrainingProviderFactory(other=True))
    html = client.get(reverse("catalog:training_detail", args=[other.action.training_id])).content.decode()
    assert "ne peut pas recevoir d'orientation" in html
    assert client.get(reverse("catalog:training_detail", args=[999999])).status_code == 404


def test_imported_html_is_shown_as_text(client, occitanie):
    session = TrainingSessionFactory(action__training__objectives="<script>alert(1)</script>")
    html = client.get(reverse("catalog:training_detail", args=[session.action.training_id])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# -- Cnam staff -----------------------------------------------------------------------------------------


def edit_url(session) -> str:
    return reverse("catalog:session_edit", args=[session.pk])


def test_referent_edits_a_session_of_their_site_with_history(login, occitanie):
    user = member(
        Role.CNAM_REFERENT, organisation=occitanie["site_rodez"], first_name="Alix", last_name="Martin"
    )
    session = TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"], places_available=10)
    client = login(user)
    version = catalog_version()
    start = session.start_date
    response = client.post(
        edit_url(session),
        {
            "start_date": start.isoformat(),
            "end_date": session.end_date.isoformat(),
            "registration_state": RegistrationState.CLOSED,
            "places_available": "0",
        },
        follow=True,
    )
    assert "Session mise à jour (2 modification(s) enregistrée(s))" in response.content.decode()
    session.refresh_from_db()
    assert (session.registration_state, session.places_available) == (RegistrationState.CLOSED, 0)
    assert catalog_version() > version
    changes = list(
        SessionChange.objects.filter(session=session).values_list("field", "old_value", "new_value", "user")
    )
    assert sorted(changes) == [
        ("places_available", "10", "0", user.pk),
        ("registration_state", "Inscriptions ouvertes", "Inscriptions fermées", user.pk),
    ]
    html = response.content.decode()
    assert "Alix Martin" in html and "Inscriptions fermées" in html and "Places disponibles" in html


def test_edit_refuses_an_end_before_the_start(login, occitanie):
    user = member(Role.CNAM_REFERENT, organisation=occitanie["site_rodez"])
    session = TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"])
    response = login(user).post(
        edit_url(session),
        {
            "start_date": "2030-06-01",
            "end_date": "2030-01-01",
            "registration_state": "open",
            "places_available": "",
        },
    )
    assert "La date de fin doit être postérieure à la date de début." in response.content.decode()
    assert not SessionChange.objects.exists()


def test_another_sites_session_is_a_404(login, occitanie):
    user = member(Role.CNAM_REFERENT, organisation=occitanie["site_rodez"])
    elsewhere = TrainingSessionFactory(action__cnam_site=occitanie["site_millau"])
    client = login(user)
    assert client.get(edit_url(elsewhere)).status_code == 404
    assert client.post(edit_url(elsewhere), {"registration_state": "closed"}).status_code == 404
    assert TrainingSession.objects.get(pk=elsewhere.pk).registration_state == RegistrationState.OPEN


def test_regional_administrator_edits_the_sites_of_the_region(login, occitanie):
    user = member(Role.CNAM_REGIONAL, organisation=occitanie["centre"])
    in_region = TrainingSessionFactory(action__cnam_site=occitanie["site_millau"])
    other_region = TrainingSessionFactory(action__cnam_site=CnamSiteFactory())
    client = login(user)
    assert client.get(edit_url(in_region)).status_code == 200
    assert client.get(edit_url(other_region)).status_code == 404
    listed = client.get(reverse("catalog:session_list")).context["page"].object_list
    assert list(listed) == [in_region]


def test_session_list_shows_the_sites_sessions_only(login, occitanie):
    user = member(Role.CNAM_REFERENT, organisation=occitanie["site_rodez"])
    mine = TrainingSessionFactory(
        action__cnam_site=occitanie["site_rodez"], action__training__title="Chez moi"
    )
    past = TrainingSessionFactory(action=mine.action, past=True)
    TrainingSessionFactory(action__cnam_site=occitanie["site_millau"], action__training__title="Ailleurs")
    client = login(user)
    response = client.get(reverse("catalog:session_list"))
    assert list(response.context["page"].object_list) == [mine]
    assert "Ailleurs" not in response.content.decode()
    assert set(client.get(reverse("catalog:session_list"), {"passees": "1"}).context["page"].object_list) == {
        mine,
        past,
    }


def test_staff_pages_need_a_cnam_role(client, login, occitanie):
    session = TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"])
    assert client.get(reverse("catalog:session_list")).status_code == 302  # to the login page
    counsellor = login(member(Role.COUNSELLOR))
    assert counsellor.get(reverse("catalog:session_list")).status_code == 403
    assert counsellor.get(edit_url(session)).status_code == 403
