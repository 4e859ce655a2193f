"""Codes, texts and the querysets the matching index relies on."""

import datetime

import pytest

from tests.catalog.factories import TrainingSessionFactory
from tests.factories import MembershipFactory, member
from tremplin.accounts.enums import Role
from tremplin.catalog.enums import (
    QualificationLevel,
    level_from_lheo,
    level_from_old,
    level_from_rncp,
    level_to_lheo,
)
from tremplin.catalog.models import SessionChange, TrainingSession
from tremplin.catalog.services import catalog_changed, catalog_version, session_update
from tremplin.catalog.text import DateFormatError, clean_text, fold, parse_date

TODAY = datetime.date(2027, 3, 1)


@pytest.mark.parametrize(
    "code,level",
    [
        ("0", None),
        ("1", None),
        ("2", QualificationLevel.INFRA_3),  # niveau VI
        ("3", QualificationLevel.INFRA_3),  # niveau V bis
        ("4", QualificationLevel.LEVEL_3),  # niveau V
        ("5", QualificationLevel.LEVEL_4),
        ("6", QualificationLevel.LEVEL_5),
        ("7", QualificationLevel.LEVEL_6),
        ("8", QualificationLevel.LEVEL_7),
        ("11", QualificationLevel.INFRA_3),
        ("12", QualificationLevel.INFRA_3),
        ("13", QualificationLevel.LEVEL_3),
        ("15", QualificationLevel.LEVEL_5),
        ("18", QualificationLevel.LEVEL_8),
        ("42", None),
    ],
)
def test_lheo_level_codes_old_and_new(code, level):
    assert level_from_lheo(code) == level


def test_level_conversions():
    assert level_from_old("III") == QualificationLevel.LEVEL_5
    assert level_from_old("niveau V bis") == QualificationLevel.INFRA_3
    assert level_from_old("I") == QualificationLevel.LEVEL_7
    assert level_from_rncp("niveau6") == level_from_rncp("Niveau 6") == QualificationLevel.LEVEL_6
    assert level_to_lheo(QualificationLevel.LEVEL_6) == "16"
    assert level_to_lheo(None) == "1"
    assert level_from_lheo(level_to_lheo(QualificationLevel.INFRA_3)) == QualificationLevel.INFRA_3


def test_clean_text_and_fold():
    assert clean_text("  -  ") == ""
    assert clean_text("N/C") == ""
    assert clean_text("Bac&nbsp;+2 &amp; plus") == "Bac +2 & plus"
    assert clean_text("<p>Un</p>\r\n\r\n\r\n<p>Deux</p>") == "Un\n\nDeux"
    assert clean_text("Avant &lt;script&gt;alert(1)&lt;/script&gt; après") == "Avant après"
    assert clean_text("<style>p {color: red}</style>Texte") == "Texte"
    assert fold("Développeur·euse  Œnologie — Saint-Étienne") == "developpeur euse oenologie saint etienne"


@pytest.mark.parametrize(
    "value,end,expected",
    [
        ("20150901", False, datetime.date(2015, 9, 1)),
        ("2015-09-01", False, datetime.date(2015, 9, 1)),
        ("2015-09-01T08:00:00", False, datetime.date(2015, 9, 1)),
        ("01/09/2015", False, datetime.date(2015, 9, 1)),
        ("20150200", True, datetime.date(2015, 2, 28)),
        ("20150000", False, datetime.date(2015, 1, 1)),
        ("00000000", False, None),
        ("99999999", True, None),
        ("-", False, None),
    ],
)
def test_dates_in_the_formats_of_real_files(value, end, expected):
    assert parse_date(value, end=end) == expected


@pytest.mark.parametrize("value", ["2015-13-01", "32/01/2015", "demain", "2015091"])
def test_dates_that_do_not_parse(value):
    with pytest.raises(DateFormatError, match="date illisible"):
        parse_date(value)


def test_open_and_receivable_sessions(occitanie):
    def session(**kwargs):
        return TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"], **kwargs)

    upcoming = session(start_date=TODAY + datetime.timedelta(days=10))
    started = session(start_date=TODAY - datetime.timedelta(days=10))
    permanent = session(start_date=TODAY - datetime.timedelta(days=10), permanent_entry=True)
    undated = session(start_date=None, end_date=None)
    session(start_date=TODAY + datetime.timedelta(days=10), closed=True)
    session(
        start_date=TODAY - datetime.timedelta(days=100),
        end_date=TODAY - datetime.timedelta(days=1),
        permanent_entry=True,
    )
    other_provider = TrainingSessionFactory(
        action__cnam_site=None, start_date=TODAY + datetime.timedelta(days=5)
    )
    assert set(TrainingSession.objects.open(TODAY)) == {upcoming, permanent, undated, other_provider}
    assert set(TrainingSession.objects.receivable(TODAY)) == {upcoming, permanent, undated}
    assert started not in TrainingSession.objects.open(TODAY)


def test_editable_sessions_follow_the_membership(occitanie):
    rodez = TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"])
    millau = TrainingSessionFactory(action__cnam_site=occitanie["site_millau"])
    at_centre = TrainingSessionFactory(action__cnam_site=occitanie["centre"])
    referent = MembershipFactory(role=Role.CNAM_REFERENT, organisation=occitanie["site_rodez"])
    regional = MembershipFactory(role=Role.CNAM_REGIONAL, organisation=occitanie["centre"])
    centre_referent = MembershipFactory(role=Role.CNAM_REFERENT, organisation=occitanie["centre"])
    counsellor = MembershipFactory(role=Role.COUNSELLOR)
    assert set(TrainingSession.objects.editable_by(referent)) == {rodez}
    assert set(TrainingSession.objects.editable_by(regional)) == {rodez, millau, at_centre}
    assert set(TrainingSession.objects.editable_by(centre_referent)) == {at_centre}
    assert not TrainingSession.objects.editable_by(counsellor).exists()
    assert not TrainingSession.objects.editable_by(None).exists()


def test_session_update_writes_history_and_moves_the_version(occitanie):
    user = member(Role.CNAM_REFERENT, organisation=occitanie["site_rodez"])
    session = TrainingSessionFactory(action__cnam_site=occitanie["site_rodez"], places_available=5)
    version = catalog_version()
    assert session_update(session=session, user=user, places_available=5) == []
    assert catalog_version() == version
    changes = session_update(session=session, user=user, places_available=None, permanent_entry=True)
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [
        ("permanent_entry", "non", "oui"),
        ("places_available", "5", ""),
    ]
    assert SessionChange.objects.count() == 2
    assert catalog_version() == version + 1
    with pytest.raises(ValueError):
        session_update(session=session, user=user, action_id=1)


def test_catalog_version_starts_at_zero_and_counts_changes():
    assert catalog_version() == 0
    assert catalog_changed() == 1
    assert catalog_changed() == 2
