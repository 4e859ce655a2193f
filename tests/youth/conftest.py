import pytest

from tests.factories import MissionLocaleFactory, member
from tests.youth.factories import commune, rome_referential
from tremplin.accounts.enums import Role
from tremplin.matching.loader import forget_index
from tremplin.territories import lookup
from tremplin.youth.lookups import forget_rome_index


@pytest.fixture(autouse=True)
def _fresh_indexes():
    """The per-process indexes (sessions, communes, ROME) must not outlive a test's database."""
    forget_index()
    lookup.invalidate()
    forget_rome_index()
    yield
    forget_index()
    lookup.invalidate()
    forget_rome_index()


@pytest.fixture
def fiches():
    return rome_referential()


@pytest.fixture
def rodez():
    return commune("12202", "Rodez", 44.3506, 2.5750, postal_codes="12000", population=24000)


@pytest.fixture
def millau():
    return commune("12145", "Millau", 44.0983, 3.0780, postal_codes="12100", population=22000)


@pytest.fixture
def mission_locale(rodez):
    return MissionLocaleFactory(name="Mission locale du Grand Rodez", commune=rodez)


@pytest.fixture
def counsellor(mission_locale):
    return member(Role.COUNSELLOR, mission_locale, first_name="Camille", last_name="Bernard")
