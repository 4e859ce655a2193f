"""A small network: Occitanie with a regional centre (Toulouse) and two sites (Rodez, Millau), the
mission locale of Rodez, one member per role, a consenting young person and open sessions."""

import pytest

from tests.factories import (
    SteeringBodyFactory,
    member,
)
from tests.referrals.factories import ReferralFactory
from tremplin.accounts.enums import Role


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.SITE_URL = "https://tremplin.example.fr"
    settings.REFERRAL_REMINDER_DAYS = 5
    settings.REFERRAL_ESCALATION_DAYS = 10
    settings.REFERRAL_EXPIRY_DAYS = 30
    settings.REFERRAL_LINK_MAX_AGE_DAYS = 30


@pytest.fixture
def other_referent(net):
    return member(
        Role.CNAM_REFERENT,
        net["other_site"],
        first_name="Inès",
        last_name="Morel",
        email="ines@cnam.example.fr",
    )


@pytest.fixture
def steering():
    return member(Role.STEERING, SteeringBodyFactory(code="ETAT-TEST"), email="pilotage@example.fr")


@pytest.fixture
def referral(person, session, counsellor, referent):
    """A referral just sent by the counsellor to the Rodez site (whose referent exists)."""
    return ReferralFactory(young_person=person, session=session, sender=counsellor)
