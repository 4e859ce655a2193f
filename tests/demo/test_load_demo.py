import io

import pytest
from django.core.management import call_command

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.demo import steps
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite, MissionLocale

pytestmark = pytest.mark.slow


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def role_of(email):
    user = User.objects.get(email=email)
    membership = user.memberships.select_related("organisation").get()
    return membership.role, membership.organisation.specific


def test_load_demo_twice_with_the_real_referential(client):
    load_demo()
    output = load_demo()

    # Second run: every import reports no change, nothing is duplicated.
    assert output.count("Aucun changement : les données étaient déjà à jour.") == 3
    assert MissionLocale.objects.count() == 450
    assert CnamSite.objects.filter(is_demo=True).count() == CnamSite.objects.count() == 132
    assert User.objects.filter(email__endswith="@demo.tremplin.fr").count() == 6

    role, mission_locale = role_of("conseiller@demo.tremplin.fr")
    assert (role, mission_locale.code) == (Role.COUNSELLOR, "12145S00")  # Aveyron's mission locale, in Millau
    assert role_of("responsable@demo.tremplin.fr") == (Role.ML_MANAGER, mission_locale)
    role, site = role_of("referent@demo.tremplin.fr")
    assert (role, site.code, site.site_kind) == (Role.CNAM_REFERENT, "CNAM-DEMO-12145", CnamSiteKind.SITE)
    assert role_of("regional@demo.tremplin.fr") == (Role.CNAM_REGIONAL, site.parent)
    role, body = role_of("pilotage@demo.tremplin.fr")
    assert (role, body.code) == (Role.STEERING, "ETAT")
    admin = User.objects.get(email="admin@demo.tremplin.fr")
    assert admin.is_staff and admin.is_superuser

    # The credentials table ends the output, with the shared password, which logs every account in.
    table = output[output.index("Comptes de démonstration\nAdresse électronique") :]
    for account in steps.DEMO_ACCOUNTS:
        assert account.email in table
        assert client.login(username=account.email, password=steps.DEMO_PASSWORD)
    assert "Cnam Occitanie – Millau (démo) (CNAM-DEMO-12145)" in table
    assert f"Mot de passe de tous ces comptes : {steps.DEMO_PASSWORD}" in table
    assert "TREMPLIN_OTP_REQUIRED=false make demo" in table.splitlines()[-1]


def test_without_the_shared_data_demo_missions_locales_sit_in_department_seats(settings, tmp_path):
    settings.SHARED_DATA_DIR = tmp_path

    output = load_demo()

    assert "missions locales de démonstration" in output
    demo = MissionLocale.objects.filter(is_demo=True)
    assert demo.count() == MissionLocale.objects.count() == 101
    rodez = demo.select_related("commune").get(code="ML-DEMO-12202")
    assert (rodez.name, rodez.commune.name, rodez.region_id) == (
        "Mission locale de Rodez (démo)",
        "Rodez",
        "76",
    )
    assert demo.get(code="ML-DEMO-27229").name == "Mission locale d'Évreux (démo)"
    assert demo.get(code="ML-DEMO-43157").name == "Mission locale du Puy-en-Velay (démo)"
    role, mission_locale = role_of("conseiller@demo.tremplin.fr")
    assert mission_locale.code == "ML-DEMO-12202"
    assert role_of("referent@demo.tremplin.fr")[1].code == "CNAM-DEMO-12202"

    load_demo()
    assert MissionLocale.objects.count() == 101


def _writes_two_accounts_then_fails(stdout):
    """A step that breaks half-way."""
    User.objects.create_user("un@demo.example.fr")
    User.objects.create_user("deux@demo.example.fr")
    raise RuntimeError("step broken after writing")


def test_a_step_failing_half_way_leaves_none_of_its_rows(monkeypatch):
    monkeypatch.setattr(steps, "DEMO_STEPS", [f"{__name__}._writes_two_accounts_then_fails"])
    with pytest.raises(RuntimeError):
        load_demo()
    assert not User.objects.filter(email__endswith="@demo.example.fr").exists()
