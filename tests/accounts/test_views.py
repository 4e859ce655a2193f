import re

from django.core import mail
from django.urls import reverse

from tests.factories import MembershipFactory, MissionLocaleFactory, UserFactory, member
from tremplin.accounts.enums import Role


def test_login_with_email_and_password(client):
    user = UserFactory(email="camille@ml.example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "Camille@ML.example.org", "password": "motdepasse-de-test"}
    )
    assert response.status_code == 302
    assert response.url == reverse("pages:home")
    assert client.get(reverse("accounts:account")).context["user"] == user


def test_login_failure_says_why_in_french(client):
    UserFactory(email="camille@ml.example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "camille@ml.example.org", "password": "faux"}
    )
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()


def test_pages_require_login(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_logout_is_a_post(login):
    client = login(member(Role.COUNSELLOR))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:account")).status_code == 302


def test_password_reset_by_email(client):
    UserFactory(email="camille@ml.example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "camille@ml.example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@ml.example.org"]
    assert "réinitialisation" in message.subject
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "un-nouveau-mot-de-passe", "new_password2": "un-nouveau-mot-de-passe"}
    )
    assert response.status_code == 302
    assert client.login(username="camille@ml.example.org", password="un-nouveau-mot-de-passe")


def test_password_reset_rejects_weak_password_in_french(client):
    UserFactory(email="camille@ml.example.org")
    client.post(reverse("accounts:password_reset"), {"email": "camille@ml.example.org"})
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200
    assert "trop court" in response.content.decode()


def test_account_page_lists_memberships(login):
    user = member(Role.COUNSELLOR)
    other_ml = MissionLocaleFactory(name="Mission locale du Grand Rodez")
    MembershipFactory(user=user, organisation=other_ml, role=Role.ML_MANAGER)
    html = login(user).get(reverse("accounts:account")).content.decode()
    assert "Mission locale du Grand Rodez" in html
    assert "Responsable de mission locale" in html


def test_switch_current_organisation(login):
    user = member(Role.COUNSELLOR)
    second = MembershipFactory(
        user=user, organisation=MissionLocaleFactory(name="ML B"), role=Role.ML_MANAGER
    )
    client = login(user)
    assert client.get(reverse("pages:home")).context["current_organisation"].pk != second.organisation.pk

    response = client.post(reverse("accounts:switch_organisation"), {"membership": second.pk})
    assert response.status_code == 302
    home = client.get(reverse("pages:home"))
    assert home.context["current_organisation"].pk == second.organisation.pk
    assert "ML B" in home.content.decode()


def test_cannot_switch_to_someone_elses_membership(login):
    user = member(Role.COUNSELLOR)
    foreign = MembershipFactory(organisation=MissionLocaleFactory(name="Autre ML"))
    client = login(user)
    response = client.post(reverse("accounts:switch_organisation"), {"membership": foreign.pk})
    assert response.status_code == 200
    assert client.get(reverse("pages:home")).context["current_organisation"].pk != foreign.organisation.pk
