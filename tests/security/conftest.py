"""The world of the access matrix, built once per module: the Occitanie network of tests/occitanie.py
(ML A = Grand Rodez, ML B = Sud-Aveyron, site X = Rodez, site Y = Millau, their regional centre), one
user per role, and objects of ML A / site X for the routes' arguments. Each test runs in a savepoint
of the module's transaction, so what a request writes is gone for the next test."""

import datetime
import types

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import sign_in
from tests.factories import (
    UserFactory,
    member,
)
from tests.occitanie import build_net
from tests.referrals.factories import ReferralFactory
from tests.security import outcomes as roles
from tests.youth.factories import YoungPersonFactory, born, cnam_session, rome_referential
from tremplin.accounts.enums import Role
from tremplin.api.models import Webhook, WebhookDelivery
from tremplin.api.services import api_token_create
from tremplin.catalog.models import CatalogImport, Certification, Formacode, Nsf
from tremplin.catalog.services import session_update
from tremplin.network.models import MissionLocale
from tremplin.referrals.links import make_token
from tremplin.referrals.models import NotificationPreference, OutboxEmail
from tremplin.stats.models import Refresh


class World(types.SimpleNamespace):
    def any_row(self, model):
        """The primary key of some row of ``model`` (admin object pages), or None."""
        return model._default_manager.order_by("pk").values_list("pk", flat=True).first()


def _network():
    net = build_net()
    return World(
        region=net["region"],
        rodez=net["rodez"],
        centre=net["centre"],
        site_x=net["site"],
        site_y=net["other_site"],
        ml_a=net["ml"],
        ml_b=net["other_ml"],
        steering_body=net["steering"],
    )


def _users(w):
    return {
        roles.COUNSELLOR_A: member(Role.COUNSELLOR, w.ml_a, email="camille@ml-a.example.fr"),
        roles.COUNSELLOR_B: member(Role.COUNSELLOR, w.ml_b, email="bastien@ml-b.example.fr"),
        roles.MANAGER_A: member(Role.ML_MANAGER, w.ml_a, email="nadia@ml-a.example.fr"),
        roles.REFERENT_X: member(Role.CNAM_REFERENT, w.site_x, email="julien@cnam-x.example.fr"),
        roles.REFERENT_Y: member(Role.CNAM_REFERENT, w.site_y, email="ines@cnam-y.example.fr"),
        roles.REGIONAL: member(Role.CNAM_REGIONAL, w.centre, email="sophie@cnam-occ.example.fr"),
        roles.STEERING: member(Role.STEERING, w.steering_body, email="pilotage@etat.example.fr"),
        roles.STAFF: UserFactory(email="ops@tremplin.example.fr", is_staff=True, is_superuser=True),
    }


def _admin_rows(w):
    """One row of the models the admin lists that the rest of the world leaves empty."""
    Group.objects.create(name="Support")
    Nsf.objects.create(code="326", label="Informatique, traitement de l'information")
    Formacode.objects.create(code="31054", label="Informatique")
    Certification.objects.create(code="RNCP31678", registry="RNCP", title="Analyste programmeur", level=5)
    CatalogImport.objects.create(source="lheo", file_name="offre.xml", summary="1 formation")
    session_update(session=w.session, user=w.users[roles.REFERENT_X], places_available=10)
    NotificationPreference.objects.create(user=w.users[roles.COUNSELLOR_A], frequency="daily")
    now = timezone.now()
    OutboxEmail.objects.create(
        key="security-matrix",
        to="julien@cnam-x.example.fr",
        referral=w.referral,
        subject="Nouvelle orientation",
        body="…",
        created_at=now,
    )
    Refresh.objects.create(started_at=now, finished_at=now, referrals=1, cells=1)
    WebhookDelivery.objects.create(
        webhook=w.webhook,
        event=w.referral.events.first(),
        uuid="00000000-0000-4000-8000-000000000001",
        payload={},
    )


def build_world() -> World:
    w = _network()
    w.users = _users(w)
    counsellor = w.users[roles.COUNSELLOR_A]
    rome_referential()
    w.person = YoungPersonFactory(
        # A name found nowhere else, so that a page showing it is a page showing her.
        first_name="Léa",
        last_name="Quintalonne",
        email="lea.quintalonne@example.org",
        mission_locale=w.ml_a,
        counsellor=counsellor,
        home_commune=w.rodez,
    )
    w.archived_person = YoungPersonFactory(
        mission_locale=w.ml_a, counsellor=counsellor, home_commune=w.rodez, archived_at=timezone.now()
    )
    YoungPersonFactory(mission_locale=w.ml_b, counsellor=w.users[roles.COUNSELLOR_B], home_commune=w.rodez)
    w.session = cnam_session(w.site_x, title="Développeur web", rome="M1805")
    w.later_session = cnam_session(
        w.site_x, title="Gestion de la paie", start=timezone.localdate() + datetime.timedelta(days=45)
    )
    cnam_session(w.site_y, title="Comptabilité")
    w.training = w.session.action.training
    w.referral = ReferralFactory(young_person=w.person, session=w.session, sender=counsellor)
    # As if the counsellor had sent the young person their link (the service also sends an email).
    w.referral.link_nonce = "0123456789abcdef"
    w.referral.save(update_fields=["link_nonce"])
    w.link_token = make_token(w.referral)
    # A password-reset link of someone the matrix never signs in (signing in would void the link).
    forgetful = member(Role.COUNSELLOR, w.ml_a, email="oubli@ml-a.example.fr")
    w.reset_uid = urlsafe_base64_encode(force_bytes(forgetful.pk))
    w.reset_token = default_token_generator.make_token(forgetful)
    w.token, _ = api_token_create(organisation=w.ml_a, name="i-milo", can_write=True)
    w.webhook = Webhook.objects.create(
        organisation=w.ml_a, url="https://si.ml-a.example.fr/tremplin", secret="s" * 64
    )
    w.ml_content_type = ContentType.objects.get_for_model(MissionLocale)
    _admin_rows(w)
    w.person_form = {
        "first_name": "Inès",
        "last_name": "Dupuis",
        "birth_date": born(19).isoformat(),
        "home_commune": "Rodez (12)",
        "education_level": "4",
        "has_bac": "on",
        "max_travel_km": "40",
        "programme": "none",
        "consent": "on",
        "consent_purpose": "Orientation vers le Cnam",
        "confirm_duplicate": "on",
    }
    w.person_json = {
        "first_name": "Inès",
        "last_name": "Dupuis",
        "birth_date": born(19).isoformat(),
        "home_commune": "12202",
        "education_level": 4,
        "has_bac": True,
        "consent": True,
    }
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, and a session per role opened once: each test only swaps the session cookie, so the
    matrix does not pay a login per role and route. Sessions live in the module's transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        w.sessions = {}
        for role, user in w.users.items():
            client = Client()
            sign_in(client, user)
            w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield w
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_rate_limit_carried_over():
    # API rate-limit counters live in the cache: the matrix's many calls must not trip them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_role(client, world):
    """``as_role(role)``: the test client, signed in as the world's user of that role (anonymous: out)."""

    def _as(role):
        client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
        if role != roles.ANON:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        return client

    return _as
