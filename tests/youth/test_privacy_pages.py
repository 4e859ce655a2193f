"""The ML manager's personal-data pages: the access logs, the export (button and command), the
erasure; who may reach them."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests import occitanie
from tests.conftest import sign_in
from tests.factories import member
from tests.youth.factories import YoungPersonFactory
from tremplin.accounts.enums import Role
from tremplin.referrals.enums import ReferralStatus, Side
from tremplin.referrals.models import Referral, ReferralMessage
from tremplin.youth.enums import AccessAction
from tremplin.youth.models import YoungPerson, YoungPersonAccess

# The network's counsellor, not the youth conftest's (of a mission locale of its own).
counsellor = occitanie.counsellor


@pytest.fixture
def referral(person, session, counsellor, net):
    now = timezone.now()
    referral = Referral.objects.create(
        young_person=person, session=session, site=net["site"], mission_locale=net["ml"], sender=counsellor,
        status=ReferralStatus.SENT, status_changed_at=now, sent_at=now,
    )  # fmt: skip
    ReferralMessage.objects.create(
        referral=referral, side=Side.ML, author=counsellor, body="Léa est disponible le mardi", created_at=now
    )
    return referral


@pytest.fixture
def other_manager(net):
    return member(Role.ML_MANAGER, net["other_ml"])


def log(person, user, organisation, action=AccessAction.VIEW, when=None):
    return YoungPersonAccess.objects.create(
        young_person=person,
        user=user,
        organisation=organisation,
        action=action,
        accessed_at=when or timezone.now(),
    )


# ---------------------------------------------------------------------------------------------------
# Who may open what: each role's answer on these pages is in the access matrix (tests/security/rules.py).


def test_export_and_erase_refuse_get_and_need_the_csrf_token(login, manager, person, client):
    client = login(manager)
    assert client.get(reverse("youth:export", args=[person.pk])).status_code == 405
    from django.test import Client

    strict = sign_in(Client(enforce_csrf_checks=True), manager)
    assert strict.post(reverse("youth:erase", args=[person.pk]), {"confirm": "yes"}).status_code == 403
    assert strict.post(reverse("youth:export", args=[person.pk])).status_code == 403
    person.refresh_from_db()
    assert not person.is_anonymised


def test_another_mission_locales_manager_gets_a_404_for_export_and_erase(login, other_manager, person):
    client = login(other_manager)
    assert client.post(reverse("youth:export", args=[person.pk])).status_code == 404
    assert client.post(reverse("youth:erase", args=[person.pk]), {"confirm": "yes"}).status_code == 404
    person.refresh_from_db()
    assert not person.is_anonymised
    assert not YoungPersonAccess.objects.exists()


# ---------------------------------------------------------------------------------------------------
# The access logs


def test_the_record_page_offers_the_manager_the_log_the_export_and_the_erasure(
    login, manager, counsellor, person
):
    html = login(manager).get(reverse("youth:detail", args=[person.pk])).content.decode()
    assert "Qui a consulté cette fiche" in html and "Exporter toutes ses données" in html
    assert "Effacer les données de ce jeune" in html

    html = login(counsellor).get(reverse("youth:detail", args=[person.pk])).content.decode()
    assert "Qui a consulté cette fiche" not in html and "Effacer les données" not in html


def test_the_persons_log_says_who_read_it_for_which_organisation_and_what(
    login, manager, counsellor, referent, person, net
):
    log(person, counsellor, net["ml"], AccessAction.EDIT, timezone.now() - datetime.timedelta(days=1))
    log(person, referent, net["site"])

    html = login(manager).get(reverse("youth:person_access_log", args=[person.pk])).content.decode()

    assert "Consultations (2)" in html
    assert html.index("Julien Roux") < html.index("Camille Durand")  # newest first
    assert "Cnam Aveyron" in html and "Mission locale du Grand Rodez" in html
    assert "consultation de la fiche" in html and "ouverture du formulaire de modification" in html


def test_the_cnam_reading_a_referral_appears_in_the_persons_log(login, manager, referent, referral, person):
    login(referent).get(reverse("referrals:detail", args=[referral.pk]))

    html = login(manager).get(reverse("youth:person_access_log", args=[person.pk])).content.decode()
    assert "Julien Roux" in html and "Cnam Aveyron" in html


def test_the_mission_locales_log_filters_by_person_user_and_dates(
    login, manager, counsellor, referent, person, net
):
    noe = YoungPersonFactory(
        first_name="Noé", last_name="Vidal", mission_locale=net["ml"], home_commune=net["rodez"]
    )
    elsewhere = YoungPersonFactory(
        mission_locale=net["other_ml"], home_commune=net["rodez"], last_name="Ailleurs"
    )
    log(person, counsellor, net["ml"], when=timezone.now() - datetime.timedelta(days=10))
    log(noe, referent, net["site"])
    log(elsewhere, member(Role.COUNSELLOR, net["other_ml"]), net["other_ml"])
    client = login(manager)
    url = reverse("youth:access_log")

    def rows(**params):
        html = client.get(url, params).content.decode()
        return html.count("<tr>") - 1  # minus the header row

    assert rows() == 2  # the other mission locale's record is not there
    assert rows(person="vidal") == 1 and rows(person=str(person.pk)) == 1
    assert rows(user="julien") == 1 and rows(user="camille@ml") == 1
    today = timezone.localdate()
    assert rows(since=(today - datetime.timedelta(days=2)).isoformat()) == 1
    assert rows(until=(today - datetime.timedelta(days=2)).isoformat()) == 1
    html = client.get(url, {"since": "2026-05-01", "until": "2026-04-01"}).content.decode()
    assert "La date de fin précède la date de début." in html
    assert "Ailleurs" not in client.get(url).content.decode().upper()


def test_the_log_pages_read_a_bounded_number_of_queries(
    login, manager, counsellor, referent, person, net, django_assert_max_num_queries
):
    client = login(manager)
    pages = [reverse("youth:access_log"), reverse("youth:person_access_log", args=[person.pk])]
    log(person, counsellor, net["ml"])
    small = {}
    for url in pages:
        with django_assert_max_num_queries(10) as queries:
            client.get(url)
        small[url] = len(queries.captured_queries)
    for i in range(60):
        other = YoungPersonFactory(mission_locale=net["ml"], home_commune=net["rodez"])
        log(other, member(Role.COUNSELLOR, net["ml"]) if i % 10 == 0 else counsellor, net["ml"])
        log(person, referent, net["site"])
    for url in pages:
        for page in (1, 2):
            with django_assert_max_num_queries(small[url]):
                response = client.get(url, {"page": page})
            assert "page=2" in response.content.decode()  # 50 rows a page: more than one page


# ---------------------------------------------------------------------------------------------------
# Export


def test_the_manager_downloads_everything_held_and_the_download_is_logged(login, manager, person, referral):
    response = login(manager).post(reverse("youth:export", args=[person.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert f'filename="tremplin-donnees-jeune-{person.pk}-' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert "Léa" in text  # accents as they are, not \\u escapes
    data = json.loads(text)
    assert data["young_person"]["last_name"] == "Martin"
    assert data["consent"]["given_at"] is not None
    assert [m["body"] for m in data["referrals"][0]["messages"]] == ["Léa est disponible le mardi"]
    assert data["access_log"][-1]["action"] == "export"
    assert data["access_log"][-1]["user"]["email"] == "nadia@ml.example.fr"
    assert YoungPersonAccess.objects.get().action == AccessAction.EXPORT


def test_export_command_writes_the_file_and_logs_it(person, referral, tmp_path):
    out = io.StringIO()
    target = tmp_path / "lea.json"

    call_command("export_personal_data", str(person.pk), "--output", str(target), stdout=out)

    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "tremplin-donnees-personnelles/1"
    assert data["referrals"][0]["status"] == "sent"
    assert f"Données de la fiche {person.pk} écrites dans {target}." in out.getvalue()
    assert YoungPersonAccess.objects.get().action == AccessAction.EXPORT


def test_export_command_errors_are_in_french(person, net):
    with pytest.raises(CommandError, match="Aucune fiche de jeune n'a l'identifiant 999999"):
        call_command("export_personal_data", "999999")
    with pytest.raises(CommandError, match="« abc » n'est pas un identifiant de fiche"):
        call_command("export_personal_data", "abc")
    with pytest.raises(
        CommandError, match=f"La fiche {person.pk} n'appartient pas à la mission locale 12145S00"
    ):
        call_command("export_personal_data", str(person.pk), "--mission-locale", "12145S00")
    assert not YoungPersonAccess.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Erasure


def test_the_confirmation_page_names_the_consequences_and_the_open_referrals(
    login, manager, person, referral
):
    html = login(manager).get(reverse("youth:erase", args=[person.pk])).content.decode()

    assert "Cet effacement est immédiat et définitif" in html
    assert "1 orientation en cours" in html and "Développeur web" in html
    assert "les statistiques du partenariat restent justes" in html
    person.refresh_from_db()
    assert not person.is_anonymised


def test_erasure_without_the_confirmation_box_changes_nothing(login, manager, person):
    response = login(manager).post(reverse("youth:erase", args=[person.pk]), follow=True)
    assert "Cochez la case de confirmation" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_anonymised


def test_erasure_anonymises_at_once_and_is_logged_to_the_manager(
    login, manager, person, referral, counsellor
):
    client = login(manager)
    response = client.post(reverse("youth:erase", args=[person.pk]), {"confirm": "yes"}, follow=True)

    html = response.content.decode()
    assert "Les données de Léa Martin sont effacées." in html
    person.refresh_from_db()
    assert person.is_anonymised and person.anonymisation_reason == "request"
    assert person.email == "" and "Martin" not in person.full_name
    assert ReferralMessage.objects.get().body == "[effacé]"
    entry = YoungPersonAccess.objects.get(action=AccessAction.ERASE)
    assert (entry.user, entry.organisation_id) == (manager, person.mission_locale_id)
    # Gone from the pages and lists; still in the mission locale's log, without a name.
    assert client.get(reverse("youth:detail", args=[person.pk])).status_code == 404
    assert "anonymis" not in client.get(reverse("youth:list"), {"scope": "ml"}).content.decode()
    log_html = client.get(reverse("youth:access_log")).content.decode()
    assert f"fiche n° {person.pk} (anonymisée)" in log_html and "effacement de ses données" in log_html
    assert YoungPerson.objects.filter(pk=person.pk).exists()  # the referral still counts
    referral_page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "ont été effacées le" in referral_page and "accord de la personne" not in referral_page
