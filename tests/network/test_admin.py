import pytest
from django.urls import reverse

from tests.factories import CnamSiteFactory, MissionLocaleFactory, UserFactory


@pytest.fixture
def staff_client(login):
    return login(UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize(
    "model,query,count",
    [
        ("missionlocale", {"q": "Aveyron", "region__code__exact": "76"}, 1),
        ("cnamsite", {"q": "Rodez", "site_kind__exact": "site", "au_coeur_des_territoires__exact": "1"}, 1),
        ("steeringbody", {"q": "DREETS", "scope__exact": "regional"}, 18),
        ("organisation", {"q": "ETAT", "kind__exact": "steering_body"}, 1),
    ],
)
def test_network_admin_lists_search_and_filter(staff_client, model, query, count):
    MissionLocaleFactory(name="Mission locale de l'Aveyron")
    CnamSiteFactory(name="Cnam Rodez", au_coeur_des_territoires=True)
    url = reverse(f"admin:network_{model}_changelist")

    response = staff_client.get(url, query)

    assert response.status_code == 200
    assert (
        response.context["cl"].result_count == 1
        if model != "steeringbody"
        else response.context["cl"].result_count > 1
    )


def test_organisation_change_pages_open(staff_client):
    for organisation in (MissionLocaleFactory(), CnamSiteFactory()):
        model = organisation._meta.model_name
        url = reverse(f"admin:network_{model}_change", args=[organisation.pk])
        assert staff_client.get(url).status_code == 200
