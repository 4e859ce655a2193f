"""Who sees which figures: steering every scope (never a person), an ML manager their mission
locale only, a Cnam regional administrator their centre and its sites, nobody else."""

import io
import zipfile

import pytest

from tests.factories import CnamSiteFactory, MissionLocaleFactory, SteeringBodyFactory, member
from tremplin.accounts.enums import Role
from tremplin.network.enums import SteeringScope

PERIOD = "start=2025-01&end=2025-03"


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.CNAM_REFERENT])
def test_roles_without_dashboard_are_refused(world, login, role):
    client = login(member(role))
    assert client.get("/pilotage/").status_code == 403
    assert client.get("/pilotage/export/entonnoir.csv").status_code == 403
    assert client.get("/pilotage/portee/").status_code == 403


def test_ml_manager_sees_only_their_mission_locale(world, login):
    client = login(member(Role.ML_MANAGER, organisation=world.ml.rodez))
    page = client.get(f"/pilotage/?{PERIOD}")
    assert page.status_code == 200
    assert "Tableau de bord — Mission locale de Rodez" in page.content.decode()
    assert 'name="scope"' not in page.content.decode()  # nothing to choose
    other = world.ml.toulouse.pk
    assert client.get(f"/pilotage/?scope=mission_locale:{other}&{PERIOD}").status_code == 404
    assert client.get(f"/pilotage/export/entonnoir.csv?scope=mission_locale:{other}").status_code == 404
    assert client.get(f"/pilotage/?scope=france&{PERIOD}").status_code == 404
    assert client.get(f"/pilotage/?scope=region:76&{PERIOD}").status_code == 404
    assert client.get("/pilotage/portee/").status_code == 403


def test_ml_manager_figures_exclude_other_missions_locales(world, login):
    client = login(member(Role.ML_MANAGER, organisation=world.ml.toulouse))
    html = client.get(f"/pilotage/?{PERIOD}").content.decode()
    # Toulouse sent R3 only.
    assert '<th scope="row">Orientations envoyées</th><td class="stats-num">1</td>' in html
    assert "Mission locale de Rodez" not in html


def test_cnam_regional_administrator_sees_their_centre_and_its_sites(world, login):
    client = login(member(Role.CNAM_REGIONAL, organisation=world.sites.occitanie))
    html = client.get(f"/pilotage/?{PERIOD}").content.decode()
    assert "Cnam Occitanie et ses centres" in html
    assert '<th scope="row">Orientations envoyées</th><td class="stats-num">7</td>' in html
    assert f'<option value="site:{world.sites.rodez.pk}">Cnam Rodez</option>' in html
    assert client.get(f"/pilotage/?scope=site:{world.sites.rodez.pk}&{PERIOD}").status_code == 200
    assert client.get(f"/pilotage/?scope=centre:{world.sites.aura.pk}&{PERIOD}").status_code == 404
    other_site = CnamSiteFactory(parent=world.sites.aura)
    assert client.get(f"/pilotage/?scope=site:{other_site.pk}&{PERIOD}").status_code == 404
    assert client.get(f"/pilotage/?scope=mission_locale:{world.ml.rodez.pk}&{PERIOD}").status_code == 404


def test_steering_chooses_any_scope_and_unknown_ones_are_404(world, login):
    client = login(member(Role.STEERING))
    for scope in (
        "france",
        "region:84",
        "department:12",
        f"mission_locale:{world.ml.rodez.pk}",
        f"centre:{world.sites.aura.pk}",
        f"site:{world.sites.rodez.pk}",
    ):
        assert client.get(f"/pilotage/?scope={scope}&{PERIOD}").status_code == 200, scope
    for scope in (
        "region:99",
        "department:xx",
        "mission_locale:abc",
        f"centre:{world.sites.rodez.pk}",
        "planet:3",
        "france:1",
    ):
        assert client.get(f"/pilotage/?scope={scope}&{PERIOD}").status_code == 404, scope


def test_regional_steering_starts_on_its_region(world, login):
    body = SteeringBodyFactory(code="DREETS-84", scope=SteeringScope.REGIONAL, region=world.regions.aura)
    html = login(member(Role.STEERING, organisation=body)).get(f"/pilotage/?{PERIOD}").content.decode()
    assert "Tableau de bord — Région Auvergne-Rhône-Alpes" in html
    assert '<option value="region:84" selected>' in html


def test_steering_never_sees_a_name(world, login):
    client = login(member(Role.STEERING))
    pages = [
        client.get(f"/pilotage/?scope={scope}&{PERIOD}").content
        for scope in ("france", f"mission_locale:{world.ml.rodez.pk}", f"site:{world.sites.rodez.pk}")
    ]
    pages.append(client.get("/pilotage/portee/").content)
    xlsx = client.get(f"/pilotage/export/tableaux.xlsx?{PERIOD}").content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        pages += [archive.read(name) for name in archive.namelist()]
    for key in ("entonnoir", "ages", "missions-locales", "departements"):
        pages.append(client.get(f"/pilotage/export/{key}.csv?{PERIOD}").content)
    for person in world.people:
        for name in (person.first_name, person.last_name, person.email):
            if name:
                assert not any(name.encode() in page for page in pages), name


def test_an_unknown_table_or_format_is_404(world, login):
    client = login(member(Role.STEERING))
    assert client.get("/pilotage/export/nothing.csv").status_code == 404
    assert client.get("/pilotage/export/entonnoir.pdf").status_code == 404
    assert client.get("/pilotage/export/tableaux.csv").status_code == 404
    assert client.get("/pilotage/export/tableaux.xlsx").status_code == 200


def test_a_bad_period_says_so_and_shows_the_default_one(world, login):
    client = login(member(Role.STEERING))
    html = client.get("/pilotage/?start=2025-13&end=2025-03").content.decode()
    assert "« 2025-13 » n&#x27;est pas un mois au format AAAA-MM" in html
    html = client.get("/pilotage/?start=2025-04&end=2025-01").content.decode()
    assert "Le mois de début doit précéder le mois de fin." in html


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/pilotage/")
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_a_mission_locale_without_referrals_has_an_empty_dashboard(login):
    ml = MissionLocaleFactory()
    html = login(member(Role.ML_MANAGER, organisation=ml)).get("/pilotage/").content.decode()
    assert "Aucune orientation envoyée pendant la période." in html


@pytest.mark.parametrize("role", [Role.STEERING, Role.ML_MANAGER, Role.CNAM_REGIONAL])
def test_the_menu_leads_to_the_dashboard(login, role):
    html = login(member(role)).get("/").content.decode()
    assert '<a class="fr-nav__link" href="/pilotage/"' in html


def test_the_menu_has_no_dashboard_for_a_counsellor(login):
    assert 'href="/pilotage/"' not in login(member(Role.COUNSELLOR)).get("/").content.decode()
