import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests.factories import CnamSiteFactory, MembershipFactory, MissionLocaleFactory, UserFactory
from tremplin.accounts import services as accounts_services
from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership, User

GOOD_PASSWORD = "Orientation-Aveyron-12"


def create_user(*args):
    out = io.StringIO()
    call_command("create_user", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_creates_a_user_with_a_password_and_a_membership(client):
    MissionLocaleFactory(code="12145S00", name="Mission locale de l'Aveyron")

    output = create_user(
        "--email", "Camille.Durand@ML12.example.org", "--organisation", "12145S00", "--role", "counsellor",
        "--password", GOOD_PASSWORD, "--first-name", "Camille", "--last-name", "Durand",
    )  # fmt: skip

    assert "Compte créé : camille.durand@ml12.example.org." in output
    assert "Conseiller·ère — Mission locale de l'Aveyron (12145S00) : appartenance créée." in output
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name, user.is_staff) == (
        "camille.durand@ml12.example.org", "Camille", "Durand", False
    )  # fmt: skip
    membership = user.memberships.get()
    assert (membership.organisation.code, membership.role, membership.is_active) == (
        "12145S00",
        "counsellor",
        True,
    )
    assert client.login(username="camille.durand@ml12.example.org", password=GOOD_PASSWORD)


def test_without_password_the_account_waits_for_a_password_reset(client):
    CnamSiteFactory(code="CNAM-RODEZ")

    output = create_user(
        "--email", "julien@cnam.example.org", "--organisation", "CNAM-RODEZ", "--role", "cnam_referent"
    )

    user = User.objects.get()
    assert not user.has_usable_password()
    assert "« Mot de passe oublié »" in output


def test_running_again_updates_without_touching_the_password(client):
    MissionLocaleFactory(code="12145S00")
    create_user(
        "--email",
        "a@ml.example.org",
        "--organisation",
        "12145S00",
        "--role",
        "counsellor",
        "--password",
        GOOD_PASSWORD,
    )

    output = create_user(
        "--email", "A@ml.example.org", "--organisation", "12145S00", "--role", "ml_manager", "--first-name", "Ana", "--staff"
    )  # fmt: skip

    assert "Compte mis à jour : a@ml.example.org." in output
    user = User.objects.get()
    assert (user.first_name, user.is_staff) == ("Ana", True)
    assert user.memberships.get().role == Role.ML_MANAGER
    assert client.login(username="a@ml.example.org", password=GOOD_PASSWORD)
    assert "mot de passe oublié" not in output.lower()

    create_user(
        "--email", "a@ml.example.org", "--organisation", "12145S00", "--role", "ml_manager", "--no-staff"
    )
    assert not User.objects.get().is_staff


def test_a_second_organisation_adds_a_membership_and_reactivates_an_old_one():
    first, second = MissionLocaleFactory(code="12145S00"), MissionLocaleFactory(code="46102S00")
    membership = MembershipFactory(
        user=UserFactory(email="a@ml.example.org"), organisation=first, is_active=False
    )

    create_user("--email", "a@ml.example.org", "--organisation", "46102S00", "--role", "counsellor")
    create_user("--email", "a@ml.example.org", "--organisation", "12145S00", "--role", "counsellor")

    membership.refresh_from_db()
    assert membership.is_active
    assert set(Membership.objects.values_list("organisation__code", flat=True)) == {"12145S00", "46102S00"}
    assert second.memberships.get().user.email == "a@ml.example.org"


def test_unknown_organisation_is_named():
    with pytest.raises(CommandError, match="Aucune organisation n'a le code « 99999S00 »."):
        create_user("--email", "a@ml.example.org", "--organisation", "99999S00", "--role", "counsellor")
    assert not User.objects.exists()


def test_role_must_fit_the_kind_of_organisation():
    MissionLocaleFactory(code="12145S00", name="Mission locale de l'Aveyron")

    with pytest.raises(CommandError) as excinfo:
        create_user("--email", "a@ml.example.org", "--organisation", "12145S00", "--role", "cnam_referent")

    assert str(excinfo.value) == (
        "Le rôle « Référent·e Cnam » n'est pas possible pour Mission locale de l'Aveyron (mission locale). "
        "Rôles possibles : counsellor (Conseiller·ère), ml_manager (Responsable de mission locale)."
    )
    assert not User.objects.exists()


def test_steering_role_on_a_steering_body():
    create_user("--email", "analyste@travail.gouv.fr", "--organisation", "DREETS-76", "--role", "steering")

    assert User.objects.get().memberships.get().organisation.name == "DREETS Occitanie"


def test_unknown_role_is_refused_in_french():
    with pytest.raises(
        CommandError, match="Le rôle « admin » \\(rôle inconnu\\) n'est pas possible pour État"
    ):
        create_user("--email", "a@travail.gouv.fr", "--organisation", "ETAT", "--role", "admin")


@pytest.mark.parametrize(
    "password,message",
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
        ("password1234", "Ce mot de passe est trop courant."),
        ("camille.durand.ml", "Le mot de passe est trop semblable au champ"),
    ],
)
def test_password_is_checked_by_the_validators_in_french(password, message):
    MissionLocaleFactory(code="12145S00")

    with pytest.raises(CommandError) as excinfo:
        create_user(
            "--email", "camille.durand@ml.example.org", "--organisation", "12145S00", "--role", "counsellor",
            "--password", password,
        )  # fmt: skip

    assert message in str(excinfo.value)
    assert not User.objects.exists()


def test_invalid_email_is_refused():
    with pytest.raises(CommandError, match="« pas-une-adresse » n'est pas une adresse électronique valide."):
        create_user("--email", "pas-une-adresse", "--organisation", "ETAT", "--role", "steering")


def test_service_is_atomic_when_a_later_step_fails(monkeypatch):
    MissionLocaleFactory(code="12145S00")

    def failing_get_or_create(*args, **kwargs):
        raise ValidationError("panne")

    monkeypatch.setattr(Membership.objects, "get_or_create", failing_get_or_create)
    with pytest.raises(ValidationError):
        accounts_services.user_create_or_update(
            email="a@ml.example.org",
            organisation_code="12145S00",
            role=Role.COUNSELLOR,
            password=GOOD_PASSWORD,
        )
    assert not User.objects.exists()


def test_service_creates_a_platform_operator_without_organisation():
    result = accounts_services.user_create_or_update(
        email="ops@example.org", organisation_code=None, role=None, is_staff=True, is_superuser=True
    )

    assert result.user.is_superuser and result.user.is_staff
    assert result.membership is None
    assert not result.user.memberships.exists()


def test_service_is_keyword_only():
    with pytest.raises(TypeError):
        accounts_services.user_create_or_update("a@ml.example.org", "12145S00", "counsellor")
