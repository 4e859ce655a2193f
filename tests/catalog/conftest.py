from pathlib import Path

import pytest

from tests.factories import CnamSiteFactory, CommuneFactory, DepartmentFactory, RegionFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture
def occitanie():
    """Rodez, Millau, Toulouse, with a Cnam regional centre in Toulouse and sites in Rodez and Millau."""
    region = RegionFactory(code="76", name="Occitanie")
    aveyron = DepartmentFactory(code="12", name="Aveyron", region=region)
    haute_garonne = DepartmentFactory(code="31", name="Haute-Garonne", region=region)
    rodez = CommuneFactory(
        insee_code="12202",
        name="Rodez",
        search_name="rodez",
        postal_codes="12000",
        latitude=44.35,
        longitude=2.57,
        department=aveyron,
    )
    millau = CommuneFactory(
        insee_code="12145",
        name="Millau",
        search_name="millau",
        postal_codes="12100",
        latitude=44.10,
        longitude=3.08,
        department=aveyron,
    )
    toulouse = CommuneFactory(
        insee_code="31555",
        name="Toulouse",
        search_name="toulouse",
        postal_codes="31000 31100 31200 31300 31400 31500",
        latitude=43.60,
        longitude=1.44,
        population=500_000,
        department=haute_garonne,
    )
    centre = CnamSiteFactory(code="CNAM-OCC", name="Cnam Occitanie", regional_centre=True, commune=toulouse)
    return {
        "rodez": rodez,
        "millau": millau,
        "toulouse": toulouse,
        "centre": centre,
        "site_rodez": CnamSiteFactory(code="CNAM-RODEZ", name="Cnam Aveyron", parent=centre, commune=rodez),
        "site_millau": CnamSiteFactory(code="CNAM-MILLAU", name="Cnam Millau", parent=centre, commune=millau),
    }


@pytest.fixture(autouse=True)
def _fresh_commune_index():
    """The commune lookup keeps an in-memory index per process; each test has its own communes."""
    from tremplin.territories.lookup import invalidate

    invalidate()
    yield
    invalidate()
