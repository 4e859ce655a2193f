import pytest

from tests.stats.factories import world as build_world


@pytest.fixture
def world():
    return build_world()
