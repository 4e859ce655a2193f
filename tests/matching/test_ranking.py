"""Ranking properties on small handmade catalogues (no database needed)."""

from datetime import date, timedelta

from tremplin.matching.index import SessionIndex, SessionRecord
from tremplin.matching.ranking import Filters, Profile, rank

TODAY = date(2027, 1, 4)
RODEZ = (44.3506, 2.5750)
ONET = (44.3656, 2.5936)  # about 2 km from Rodez
MILLAU = (44.0983, 3.0780)  # about 48 km from Rodez
LAGUIOLE = (44.6847, 2.8469)  # a village of the Aubrac, far from every site below but Rodez (44 km)


def session(sid, where=RODEZ, *, mode="on_site", rome=("M1805",), start=TODAY + timedelta(days=30), **fields):
    lat, lon = where if where else (None, None)
    values = dict(
        session_id=sid,
        training_id=fields.pop("training_id", sid),
        training_title=fields.pop("title", f"Formation {sid}"),
        site_name="Cnam Rodez",
        commune_insee="12202",
        latitude=lat,
        longitude=lon,
        teaching_mode=mode,
        start_date=start,
        rome_codes=tuple(rome),
        places_available=fields.pop("places", 10),
    )
    values.update(fields)
    return SessionRecord(**values)


def profile(where=RODEZ, **fields):
    lat, lon = where
    values = dict(
        latitude=lat, longitude=lon, level=4, has_bac=True, rome_codes=("M1805",), radius_km=30, age=20
    )
    values.update(fields)
    return Profile(**values)


def ids(matches):
    return [m.session_id for m in matches]


def test_nearer_wins_at_equal_fit():
    index = SessionIndex.build([session(1, RODEZ), session(2, ONET)])
    ranking = rank(index, profile(ONET), today=TODAY)
    assert ids(ranking.results) == [2, 1]
    assert ranking.results[0].distance_km < ranking.results[1].distance_km


def test_exact_rome_beats_same_domain_and_grand_domain():
    index = SessionIndex.build(
        [
            session(1, rome=("M1802",)),
            session(2, rome=("M1805",)),
            session(3, rome=("M1203",)),
            session(4, rome=("D1102",)),
        ]
    )
    ranking = rank(index, profile(), today=TODAY)
    assert ids(ranking.results) == [2, 1, 3, 4]
    codes = [[r.code for r in m.reasons] for m in ranking.results]
    assert "rome_exact" in codes[0]
    assert "rome_domain" in codes[1]
    assert "rome_grand_domain" in codes[2]
    assert not {"rome_exact", "rome_domain", "rome_grand_domain"} & set(codes[3])


def test_required_level_above_the_persons_is_a_near_miss_not_a_result():
    index = SessionIndex.build(
        [session(1, entry_level=5, entry_level_required=True), session(2, entry_level=4)]
    )
    ranking = rank(index, profile(level=3, has_bac=False), today=TODAY)
    assert ids(ranking.results) == [2]
    assert ids(ranking.near_misses) == [1]
    assert [b.code for b in ranking.near_misses[0].blockers] == ["level_required"]
    assert "niveau 5" in ranking.near_misses[0].blockers[0].label.lower()


def test_level_four_without_the_bac_does_not_open_a_bac_required_session():
    index = SessionIndex.build([session(1, entry_level=4, entry_level_required=True)])
    assert ids(rank(index, profile(level=4, has_bac=False), today=TODAY).near_misses) == [1]
    assert ids(rank(index, profile(level=4, has_bac=True), today=TODAY).results) == [1]


def test_route_without_the_bac_depends_on_age():
    index = SessionIndex.build(
        [session(1, entry_level=4, entry_level_required=True, min_age_without_level=20)]
    )
    older = rank(index, profile(level=3, has_bac=False, age=21), today=TODAY)
    assert ids(older.results) == [1]
    assert "no_level_route" in [r.code for r in older.results[0].reasons]
    assert "20 ans" in next(r.label for r in older.results[0].reasons if r.code == "no_level_route")

    younger = rank(index, profile(level=3, has_bac=False, age=18), today=TODAY)
    assert ids(younger.results) == []
    assert [b.code for b in younger.near_misses[0].blockers] == ["age"]


def test_too_far_is_a_near_miss_with_the_distance():
    index = SessionIndex.build([session(1, MILLAU)])
    assert rank(index, profile(RODEZ, radius_km=35), today=TODAY).near_misses == []  # beyond 35 km + 20 %
    ranking = rank(index, profile(RODEZ, radius_km=42), today=TODAY)
    assert ranking.results == []
    miss = ranking.near_misses[0]
    assert [b.code for b in miss.blockers] == ["too_far"]
    assert 40 < miss.distance_km < 55
    assert "au-delà du rayon de 42 km" in miss.blockers[0].label
    assert ids(rank(index, profile(RODEZ, radius_km=60), today=TODAY).results) == [1]


def test_distance_learning_reaches_a_remote_village_and_comes_first():
    index = SessionIndex.build([session(1, RODEZ), session(2, None, mode="distance"), session(3, MILLAU)])
    ranking = rank(index, profile(LAGUIOLE, radius_km=20), today=TODAY)
    assert ids(ranking.results) == [2]
    assert ranking.distance_first
    assert ranking.results[0].distance_km is None
    assert "aucune session en présentiel à moins de 20 km" in ranking.results[0].reasons[0].label
    assert ranking.summary == "0 session à moins de 20 km, 1 à distance"


def test_distance_learning_comes_after_a_good_local_session():
    index = SessionIndex.build([session(1, ONET), session(2, None, mode="distance")])
    ranking = rank(index, profile(RODEZ), today=TODAY)
    assert ids(ranking.results) == [1, 2]
    assert not ranking.distance_first


def test_no_distance_learning_for_who_refuses_it():
    index = SessionIndex.build([session(1, None, mode="distance")])
    ranking = rank(index, profile(distance_learning=False), today=TODAY)
    assert ranking.results == [] and ranking.near_misses == []


def test_full_session_is_a_near_miss_and_unknown_places_are_fine():
    index = SessionIndex.build([session(1, places=0), session(2, places=None)])
    ranking = rank(index, profile(), today=TODAY)
    assert ids(ranking.results) == [2]
    assert [b.code for b in ranking.near_misses[0].blockers] == ["full"]


def test_started_sessions_are_not_proposed_unless_entry_is_permanent():
    index = SessionIndex.build(
        [
            session(1, start=TODAY - timedelta(days=10)),
            session(2, start=TODAY - timedelta(days=10), permanent_entry=True),
        ]
    )
    ranking = rank(index, profile(), today=TODAY)
    assert ids(ranking.results) == [2]
    assert ranking.near_misses == []
    assert "entrée possible à tout moment" in [r.label for r in ranking.results[0].reasons]


def test_a_session_starting_after_the_horizon_is_a_near_miss():
    index = SessionIndex.build([session(1, start=TODAY + timedelta(days=400)), session(2)])
    ranking = rank(index, profile(), today=TODAY)
    assert ids(ranking.results) == [2]
    assert [b.code for b in ranking.near_misses[0].blockers] == ["starts_too_late"]
    wished = rank(index, profile(preferred_start=TODAY + timedelta(days=380)), today=TODAY)
    assert ids(wished.results)[0] == 1


def test_free_text_matches_title_words_without_accents():
    index = SessionIndex.build(
        [
            session(1, rome=("K2111",), title="Titre professionnel de pâtissier"),
            session(2, rome=("K2111",), title="Gestion de la paie"),
        ]
    )
    ranking = rank(index, profile(rome_codes=(), text="patissier ou boulanger"), today=TODAY)
    assert ids(ranking.results) == [1, 2]
    assert (
        next(r.label for r in ranking.results[0].reasons if r.code == "text_match")
        == "mentionne « patissier »"
    )


def test_reasons_state_the_facts():
    index = SessionIndex.build([session(1, ONET, start=TODAY + timedelta(days=21), places=3, entry_level=4)])
    labels = {"M1805": "Études et développement informatique"}
    match = rank(index, profile(RODEZ), today=TODAY, labels=labels).results[0]
    assert [r.label for r in match.reasons] == [
        "à 2 km du domicile",
        "correspond à l'intérêt « Études et développement informatique »",
        "à votre niveau : niveau 4 (baccalauréat) demandé",
        "démarre dans 3 semaines",
        "3 places disponibles",
    ]
    data = match.as_dict()
    assert data["session_id"] == 1 and data["distance_km"] == 2.2 and data["teaching_mode"] == "on_site"
    assert data["reasons"] == ["distance", "rome_exact", "level_ok", "starts_soon", "places_left"]


def test_page_filters_narrow_the_results():
    index = SessionIndex.build([session(1), session(2, mode="blended"), session(3, None, mode="distance")])
    only_distance = rank(index, profile(), today=TODAY, filters=Filters(modes=frozenset({"distance"})))
    assert ids(only_distance.results) == [3]
    soon = rank(index, profile(), today=TODAY, filters=Filters(start_before=TODAY + timedelta(days=10)))
    assert soon.results == []


def test_overseas_profile_finds_overseas_sessions_only():
    saint_denis = (-20.8823, 55.4504)
    index = SessionIndex.build([session(1, saint_denis), session(2, RODEZ)])
    ranking = rank(index, profile(saint_denis), today=TODAY)
    assert ids(ranking.results) == [1]
