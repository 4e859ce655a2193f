"""The young person's record page: the record, and the Cnam sessions ranked for them with reasons."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.youth.factories import YoungPersonFactory, cnam_session, cnam_site, commune
from tremplin.catalog.enums import QualificationLevel, RegistrationState, TeachingMode
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPersonAccess


@pytest.fixture
def catalogue(rodez, millau, fiches):
    decazeville = commune("12089", "Decazeville", 44.5600, 2.2500, population=5300)  # 35 km from Rodez
    rodez_site, millau_site = cnam_site(rodez, "Cnam Rodez"), cnam_site(millau, "Cnam Millau")  # 49 km
    decazeville_site = cnam_site(decazeville, "Cnam Decazeville")
    in_days = lambda days: timezone.localdate() + datetime.timedelta(days=days)  # noqa: E731
    return {
        "bakery": cnam_session(rodez_site, title="Boulangerie artisanale", rome="D1102", start=in_days(20)),
        "pastry": cnam_session(rodez_site, title="Pâtisserie de base", rome="D1104", start=in_days(90)),
        "remote": cnam_session(
            rodez_site, title="Gestion de rayon à distance", rome="D1502", mode=TeachingMode.DISTANCE
        ),
        "beyond": cnam_session(millau_site, title="Boulangerie à Millau", rome="D1102"),
        "far": cnam_session(decazeville_site, title="Boulangerie à Decazeville", rome="D1102"),
        "licence": cnam_session(
            rodez_site,
            title="Licence de gestion",
            rome="D1502",
            entry_level=QualificationLevel.LEVEL_5,
            entry_level_required=True,
        ),
        "closed": cnam_session(
            rodez_site, title="Session fermée de boulangerie", rome="D1102", state=RegistrationState.CLOSED
        ),
        "full": cnam_session(rodez_site, title="Session complète de boulangerie", rome="D1102", places=0),
    }


@pytest.fixture
def person(mission_locale, counsellor, rodez, fiches):
    return YoungPersonFactory(
        mission_locale=mission_locale,
        counsellor=counsellor,
        first_name="Léa",
        last_name="Martin",
        home_commune=rodez,
        education_level=QualificationLevel.LEVEL_4,
        has_bac=True,
        interests=[fiches["D1102"]],
        max_travel_km=30,
        distance_learning_ok=True,
    )


def page(person, **params):
    return reverse("youth:detail", args=[person.pk])


def results_section(html: str) -> tuple[str, str]:
    """The ranked results and the near misses of a page."""
    start = html.index('id="ranking"')
    near = html.find("Presque : ce qui bloque", start)
    return (html[start:near], html[near:]) if near >= 0 else (html[start:], "")


def test_record_page_shows_a_sensible_explained_ranking(login, counsellor, person, catalogue):
    html = login(counsellor).get(page(person)).content.decode()

    assert "Léa MARTIN" in html
    assert "2 sessions à moins de 30 km, 1 à distance" in html
    results, near_misses = results_section(html)
    # The exact interest nearby first, then the same domaine, distance learning after what is near.
    assert results.index("Boulangerie artisanale") < results.index("Pâtisserie de base")
    assert "Gestion de rayon à distance" in results
    assert "correspond à l&#x27;intérêt « Boulangerie - viennoiserie »" in results
    assert "dans le domaine « Commerce alimentaire et métiers de bouche »" in results
    assert "Cnam Rodez · à moins d&#x27;1 km · En présentiel" in results
    assert "à distance · À distance" in results
    assert "pertinence" in results
    # Closed sessions are nowhere; what is too far, above the level or full is a near miss, with why.
    assert "Session fermée" not in html
    for title in ("Boulangerie à Decazeville", "Licence de gestion", "Session complète"):
        assert title not in results and title in near_misses
    assert "à 35 km, au-delà du rayon de 30 km" in near_misses
    assert "Boulangerie à Millau" not in html  # too far even to be a near miss
    assert "Niveau 5 (bac+2) exigé" in near_misses
    assert "session complète" in near_misses
    # The placeholder of the referral action renders nothing one could click.
    assert 'class="tremplin-orient"' in results
    assert "Orienter</" not in html


def test_record_read_is_logged(login, counsellor, person):
    login(counsellor).get(page(person))

    access = YoungPersonAccess.objects.get()
    assert (access.young_person, access.user, access.action) == (person, counsellor, AccessAction.VIEW)


def test_filters_narrow_the_ranking_without_javascript(login, counsellor, person, catalogue):
    client = login(counsellor)

    distance_only = client.get(page(person), {"modes": "distance", "radius": "30"}).content.decode()
    results, _ = results_section(distance_only)
    assert "Gestion de rayon à distance" in results and "Boulangerie artisanale" not in results

    wider = client.get(page(person), {"radius": "60"}).content.decode()
    results, _ = results_section(wider)
    assert "Boulangerie à Millau" in results and "Boulangerie à Decazeville" in results
    assert "4 sessions à moins de 60 km, 1 à distance" in wider

    soon = timezone.localdate() + datetime.timedelta(days=45)
    early = client.get(page(person), {"start_before": soon.isoformat()}).content.decode()
    results, _ = results_section(early)
    assert "Boulangerie artisanale" in results and "Pâtisserie de base" not in results


def test_htmx_gets_the_ranking_partial_only(login, counsellor, person, catalogue):
    response = login(counsellor).get(page(person), {"modes": "on_site"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ranking">')
    assert "<html" not in html and "Léa MARTIN" not in html
    assert "Boulangerie artisanale" in html and "Gestion de rayon à distance" not in results_section(html)[0]
    assert not YoungPersonAccess.objects.exists()  # the record itself was read once, by the page


def test_invalid_filter_is_explained_and_the_ranking_stays(login, counsellor, person, catalogue):
    html = login(counsellor).get(page(person), {"radius": "-5", "modes": "teleportation"}).content.decode()

    assert "Le rayon ne peut pas être négatif." in html
    assert "Modalité inconnue" in html
    assert "2 sessions à moins de 30 km, 1 à distance" in html


def test_without_distance_learning_a_remote_person_is_told_nothing_fits(
    login, counsellor, person, catalogue, fiches
):
    village = commune("12119", "Laguiole", 44.6847, 2.8469, population=1200)
    person.home_commune = village
    person.distance_learning_ok = False
    person.save()

    html = login(counsellor).get(page(person)).content.decode()

    assert "0 session à moins de 30 km, 0 à distance" in html
    assert (
        "Aucune session ne correspond pour l&#x27;instant" in html
        or "Aucune session ne correspond pour l'instant" in html
    )


def test_query_count_does_not_grow_with_the_catalogue(
    login, counsellor, person, catalogue, rodez, django_assert_max_num_queries
):
    client = login(counsellor)
    client.get(page(person))  # the index is built once per catalogue version and day

    with CaptureQueriesContext(connection) as small:
        client.get(page(person))
    site = cnam_site(rodez, "Cnam Rodez 2")
    for n in range(60):
        cnam_session(site, title=f"Session {n}", rome="D1102" if n % 2 else "M1805")
    client.get(page(person))  # rebuilds the index for the new catalogue version
    with CaptureQueriesContext(connection) as large:
        response = client.get(page(person))

    assert "Session" in response.content.decode()
    assert len(large) == len(small)
    with django_assert_max_num_queries(10):
        client.get(page(person))


def test_cold_page_query_count_is_bounded(
    login, counsellor, person, catalogue, django_assert_max_num_queries
):
    client = login(counsellor)
    with django_assert_max_num_queries(14):
        response = client.get(page(person))
    assert "Boulangerie artisanale" in response.content.decode()
