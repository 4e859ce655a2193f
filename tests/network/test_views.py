from django.urls import reverse

from tests.factories import CnamSiteFactory, MissionLocaleFactory, member
from tremplin.accounts.enums import Role


def page(organisation):
    return reverse("network:organisation_detail", args=[organisation.code])


def test_anonymous_visitor_is_sent_to_login(client):
    mission_locale = MissionLocaleFactory()

    response = client.get(page(mission_locale))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_counsellor_sees_their_mission_locale_with_its_members(login):
    mission_locale = MissionLocaleFactory(name="Mission locale de l'Aveyron")
    counsellor = member(Role.COUNSELLOR, mission_locale, first_name="Camille", last_name="Durand")

    response = login(counsellor).get(page(mission_locale))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mission locale de l&#x27;Aveyron" in html
    assert "Camille Durand" in html


def test_counsellor_gets_404_on_another_mission_locale(login):
    counsellor = member(Role.COUNSELLOR, MissionLocaleFactory())
    other = MissionLocaleFactory()

    assert login(counsellor).get(page(other)).status_code == 404


def test_inactive_membership_gives_no_access(login):
    mission_locale = MissionLocaleFactory()
    counsellor = member(Role.COUNSELLOR, mission_locale)
    counsellor.memberships.update(is_active=False)

    assert login(counsellor).get(page(mission_locale)).status_code == 404


def test_regional_admin_sees_the_sites_of_their_region_only(login):
    centre = CnamSiteFactory(regional_centre=True)
    own_site = CnamSiteFactory(parent=centre, name="Cnam Rodez")
    other_site = CnamSiteFactory()  # under another regional centre
    client = login(member(Role.CNAM_REGIONAL, centre))

    assert client.get(page(centre)).status_code == 200
    response = client.get(page(own_site))
    assert response.status_code == 200
    assert "Cnam Rodez" in response.content.decode()
    assert client.get(page(other_site)).status_code == 404
    assert client.get(page(other_site.parent)).status_code == 404


def test_site_referent_does_not_see_sibling_sites(login):
    centre = CnamSiteFactory(regional_centre=True)
    site, sibling = CnamSiteFactory(parent=centre), CnamSiteFactory(parent=centre)
    client = login(member(Role.CNAM_REFERENT, site))

    assert client.get(page(site)).status_code == 200
    assert client.get(page(sibling)).status_code == 404
    assert client.get(page(centre)).status_code == 404
