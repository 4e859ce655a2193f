"""The matching over the database: the loader, the shared index, and the `recommend` command."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.factories import CnamSiteFactory, CommuneFactory
from tremplin.catalog.enums import RegistrationState
from tremplin.catalog.models import (
    RomeDomain,
    RomeFiche,
    RomeGrandDomain,
    Training,
    TrainingAction,
    TrainingProvider,
    TrainingSession,
)
from tremplin.catalog.services import catalog_changed
from tremplin.matching import loader
from tremplin.matching.ranking import Profile
from tremplin.matching.services import recommend


@pytest.fixture(autouse=True)
def fresh_index():
    loader.forget_index()
    yield
    loader.forget_index()


@pytest.fixture
def rodez():
    return CommuneFactory(
        insee_code="12202", name="Rodez", latitude=44.3506, longitude=2.5750, population=24000
    )


@pytest.fixture
def rome():
    grand = RomeGrandDomain.objects.create(code="M", label="Support à l'entreprise")
    domain = RomeDomain.objects.create(
        code="M18", label="Systèmes d'information et de télécommunication", grand_domain=grand
    )
    return RomeFiche.objects.create(code="M1805", label="Études et développement informatique", domain=domain)


def add_session(
    site, *, title="Analyste programmeur", mode="on_site", days=30, state=RegistrationState.OPEN, **training
):
    provider, _ = TrainingProvider.objects.get_or_create(
        siret="19753471200017", defaults={"name": "Cnam", "is_cnam": True}
    )
    number = Training.objects.count()
    t = Training.objects.create(
        external_id=f"t{number}",
        provider=provider,
        title=title,
        rome_codes=training.pop("rome", "M1805"),
        **training,
    )
    action = TrainingAction.objects.create(
        external_id=f"a{number}", training=t, teaching_mode=mode, commune=site.commune, cnam_site=site
    )
    session = TrainingSession.objects.create(
        external_id=f"s{number}",
        action=action,
        start_date=timezone.localdate() + timedelta(days=days),
        registration_state=state,
        places_available=10,
    )
    catalog_changed()
    return session


def test_recommend_reads_receivable_sessions_with_their_site_and_rome_label(rodez, rome):
    site = CnamSiteFactory(name="Cnam Rodez", commune=rodez)
    kept = add_session(site)
    add_session(site, title="Session fermée", state=RegistrationState.CLOSED)
    ranking = recommend(Profile(latitude=44.35, longitude=2.57, level=4, has_bac=True, rome_codes=("M1805",)))
    assert [m.session_id for m in ranking.results] == [kept.pk]
    match = ranking.results[0]
    assert match.record.site_name == "Cnam Rodez"
    assert "correspond à l'intérêt « Études et développement informatique »" in [
        r.label for r in match.reasons
    ]


def test_index_follows_catalogue_changes(rodez, rome):
    site = CnamSiteFactory(commune=rodez)
    profile = Profile(latitude=44.35, longitude=2.57, level=4, has_bac=True)
    first = add_session(site)
    assert [m.session_id for m in recommend(profile).results] == [first.pk]
    second = add_session(site, title="Comptable")  # bumps the catalogue version
    assert {m.session_id for m in recommend(profile).results} == {first.pk, second.pk}


def test_recommend_command_prints_json(rodez, rome):
    site = CnamSiteFactory(name="Cnam Rodez", commune=rodez)
    session = add_session(site)
    add_session(site, title="Cours à distance", mode="distance")
    out = io.StringIO()
    call_command(
        "recommend",
        "--commune",
        "12202",
        "--level",
        "4",
        "--bac",
        "--rome",
        "M1805",
        "--distance-learning",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert [item["training_title"] for item in data] == ["Analyste programmeur", "Cours à distance"]
    first = data[0]
    assert first["session_id"] == session.pk
    assert first["site_name"] == "Cnam Rodez" and first["commune_insee"] == "12202"
    assert first["distance_km"] == 0.0 and first["teaching_mode"] == "on_site"
    assert "rome_exact" in first["reasons"]
    assert data[1]["distance_km"] is None
    assert set(first) >= {
        "session_id",
        "training_title",
        "site_name",
        "commune_insee",
        "distance_km",
        "teaching_mode",
        "start_date",
        "score",
        "reasons",
        "labels",
    }


def test_recommend_command_text_output(rodez, rome):
    add_session(CnamSiteFactory(name="Cnam Rodez", commune=rodez))
    out = io.StringIO()
    call_command("recommend", "--commune", "12202", "--level", "infra3", stdout=out)
    assert "Rodez — 1 session à moins de 30 km, 0 à distance" in out.getvalue()
    assert "Analyste programmeur — Cnam Rodez" in out.getvalue()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--commune", "99999"], "Commune « 99999 » inconnue"),
        (["--commune", "12202", "--level", "9"], "Niveau « 9 » inconnu"),
        (["--commune", "12202", "--rome", "Z9999"], "Code ROME mal formé : Z9999"),
        (["--commune", "12202", "--rome", "M1899"], "Code ROME inconnu : M1899"),
        (["--commune", "12202", "--radius", "-5"], "ne peut pas être négatif"),
    ],
)
def test_recommend_command_rejects_bad_input(rodez, rome, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("recommend", *args, stdout=io.StringIO())
