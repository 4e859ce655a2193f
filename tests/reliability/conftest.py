import pytest

from tests.reliability.shared_database import SharedDatabase


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    """The test database, reachable from a ``manage.py`` subprocess (see shared_database.py)."""
    database = SharedDatabase(tmp_path)
    yield database
    database.stop_all()
