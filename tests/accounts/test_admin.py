import pytest
from django.urls import reverse

from tests.factories import CnamSiteFactory, MembershipFactory, UserFactory, member
from tremplin.accounts.enums import Role
from tremplin.accounts.models import User


@pytest.fixture
def staff_client(login):
    return login(UserFactory(email="ops@example.org", is_staff=True, is_superuser=True))


def test_user_list_searches_by_email_and_filters_by_role(staff_client):
    member(Role.COUNSELLOR, email="camille@ml12.example.org")
    member(Role.CNAM_REFERENT, email="julien@cnam.example.org")

    response = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "ml12"})
    assert [u.email for u in response.context["cl"].result_list] == ["camille@ml12.example.org"]

    response = staff_client.get(
        reverse("admin:accounts_user_changelist"), {"memberships__role": "cnam_referent"}
    )
    assert [u.email for u in response.context["cl"].result_list] == ["julien@cnam.example.org"]


def test_user_is_added_by_email_and_edited_with_memberships(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "nadia@ml12.example.org", "usable_password": "false", "password1": "", "password2": ""},
    )
    assert response.status_code == 302
    user = User.objects.get(email="nadia@ml12.example.org")
    assert not user.has_usable_password()

    MembershipFactory(user=user)
    response = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert "Conseiller·ère" in response.content.decode()


def test_membership_list_filters_by_kind_of_organisation(staff_client):
    MembershipFactory(role=Role.COUNSELLOR)
    cnam = MembershipFactory(role=Role.CNAM_REFERENT, organisation=CnamSiteFactory())

    response = staff_client.get(
        reverse("admin:accounts_membership_changelist"), {"organisation_kind": "cnam_site"}
    )

    assert list(response.context["cl"].result_list) == [cnam]
