"""Indicator values on the handmade world of factories.world(), computed by hand in its docstring."""

import datetime

import pytest

from tests.stats.factories import at, referral
from tremplin.referrals.enums import ReferralStatus
from tremplin.stats.figures import figures_for
from tremplin.stats.indicators import all_tables, key_figures, percentile
from tremplin.stats.models import Refresh
from tremplin.stats.periods import Period
from tremplin.stats.scopes import CENTRE, DEPARTMENT, FRANCE_SCOPE, MISSION_LOCALE, REGION, SITE, Scope
from tremplin.stats.services import aggregates_refresh

Q1 = Period.parse("2025-01..2025-03")


def tables(scope=FRANCE_SCOPE, period=Q1):
    return all_tables(figures_for(scope, period), mask=False)


def column(table, key):
    return dict(zip(table.column(table.columns[0].key), table.column(key), strict=True))


def test_funnel_counts_each_step_reached_whatever_the_current_status(world):
    funnel = tables()["entonnoir"]
    assert column(funnel, "count") == {
        "Orientations envoyées": 8,  # R8 (December 2024) is outside the period
        "Prises en charge par le Cnam": 5,  # R1 R2 R3 R6 R9
        "Entretiens planifiés": 3,  # R1 R3 R6
        "Admissions": 4,  # R1 R3 R6 R9 (R9 admitted, then refused); not R2, refused at once
        "Entrées en formation": 2,  # R1 R3
        "Formations terminées": 1,  # R1
    }
    rates = column(funnel, "of_sent")
    assert rates["Prises en charge par le Cnam"] == 5 / 8
    assert rates["Entrées en formation"] == 2 / 8
    passage = column(funnel, "passage")
    assert passage["Admissions"] == 4 / 5  # against acknowledgements: R9 was admitted without a meeting
    assert passage["Entrées en formation"] == 2 / 4


def test_statuses_and_reasons(world):
    t = tables()
    statuses = {k: v for k, v in column(t["statuts"], "count").items() if v}
    assert statuses == {
        "Envoyée": 1,
        "Entrée en formation": 1,
        "Formation terminée": 1,
        "Refusée": 2,
        "Retirée": 2,
        "Expirée sans réponse": 1,
    }
    assert column(t["statuts"], "share")["Expirée sans réponse"] == 1 / 8
    assert {k: v for k, v in column(t["motifs-refus"], "count").items() if v} == {
        "Niveau insuffisant": 1,
        "Session complète": 1,
    }
    assert {k: v for k, v in column(t["motifs-retrait"], "count").items() if v} == {
        "Autre solution trouvée (emploi, autre formation…)": 1,
        "Ne souhaite plus suivre cette formation": 1,
    }
    assert column(t["issues"], "count")["Certification obtenue"] == 1


def test_delays_are_calendar_days_with_nearest_rank_median_and_90th_percentile(world):
    delays = tables()["delais"]
    # Acknowledgement: R1 1, R2 0 (same day), R3 7, R6 2, R9 1 -> [0, 1, 1, 2, 7]
    assert delays.row("Envoi → prise en charge")[1:] == [5, 1, 7]
    # Meeting (its own date): R1 7, R3 14, R6 10 -> [7, 10, 14]
    assert delays.row("Envoi → entretien")[1:] == [3, 10, 14]
    # First decision: R1 8, R2 5, R3 17, R6 15, R9 4 (its admission, not the later refusal)
    assert delays.row("Envoi → décision (admission ou refus)")[1:] == [5, 8, 17]


def test_percentile_nearest_rank():
    from collections import Counter

    assert percentile(Counter({1: 1, 2: 1, 3: 1, 4: 1}), 0.5) == 2
    assert percentile(Counter({5: 10}), 0.9) == 5
    assert percentile(Counter({1: 9, 30: 1}), 0.9) == 1
    assert percentile(Counter({1: 8, 30: 2}), 0.9) == 30
    assert percentile(Counter(), 0.5) is None


def test_who_age_at_sending_level_bac_programme(world):
    t = tables()
    # Ages on the day of sending: R1 18, R2 16, R3 23, R4 18, R5 26, R6 21, R7 17, R9 21.
    assert column(t["ages"], "count") == {
        "Moins de 18 ans": 2,
        "18 à 21 ans": 4,
        "22 à 25 ans": 1,
        "26 ans et plus": 1,
    }
    assert column(t["ages"], "entries") == {
        "Moins de 18 ans": 0,
        "18 à 21 ans": 1,
        "22 à 25 ans": 1,
        "26 ans et plus": 0,
    }
    assert column(t["ages"], "entry_rate")["18 à 21 ans"] == 1 / 4
    levels = {k: v for k, v in column(t["niveaux"], "count").items() if v}
    assert levels == {
        "Infra 3 (sans diplôme)": 1,
        "Niveau 3 (CAP, BEP)": 2,
        "Niveau 4 (baccalauréat)": 4,
        "Niveau 5 (bac+2 : BTS, DUT, DEUST)": 1,
    }
    assert column(t["bac"], "count") == {"Sans le baccalauréat": 3, "Avec le baccalauréat": 5}
    assert column(t["dispositifs"], "count") == {
        "Contrat d'engagement jeune (CEJ)": 5,
        "Parcours contractualisé (PACEA)": 2,
        "Aucun": 1,
    }


def test_where_région_département_and_size_of_the_home_commune(world):
    t = tables()
    assert column(t["regions"], "count") == {"76": 6, "84": 2}
    departments = {row[0]: row for row in t["departements"].rows}
    assert departments["12"][2] == 5
    # 5 referrals for the 24,000 + 4,500 + 300 inhabitants of the Aveyron of this world
    assert departments["12"][-1] == pytest.approx(5 / 2.88)
    assert departments["31"][2] == 1 and departments["15"][2] == 2
    assert column(t["tailles-communes"], "count") == {
        "Commune rurale (moins de 2 000 hab.)": 1,
        "Petite ville (2 000 à 19 999 hab.)": 2,
        "Ville moyenne (20 000 à 99 999 hab.)": 4,
        "Grande ville (100 000 hab. et plus)": 1,
    }
    assert column(t["missions-locales"], "count") == {
        "Mission locale de Rodez": 5,
        "Mission locale d'Aurillac": 2,
        "Mission locale de Toulouse": 1,
    }
    assert column(t["centres-cnam"], "count") == {"Cnam Rodez": 4, "Cnam Occitanie": 3, "Cnam Auvergne": 1}


def test_what_certification_level_rome_grand_domaine_and_distance_share(world):
    t = tables()
    levels = {k: v for k, v in column(t["niveaux-certification"], "count").items() if v}
    # Session A: the training's exit level 5; session B: its certification's level 6; positioning: unknown.
    assert levels == {
        "Niveau 5 (bac+2 : BTS, DUT, DEUST)": 3,
        "Niveau 6 (licence, bachelor)": 3,
        "Non renseigné": 2,
    }
    assert column(t["domaines-rome"], "count") == {"M": 3, "D": 3, "Non renseigné": 2}
    modes = column(t["modalites"], "count")
    assert modes["À distance"] == 3 and modes["En présentiel"] == 3
    assert modes["Entretien de positionnement (sans session)"] == 2
    assert column(t["modalites"], "share")["À distance"] == 3 / 8


def test_monthly_series_counts_in_the_month_of_sending_in_paris_time(world):
    months = tables()["mois"]
    # R5 was sent on 28 February at 23:30 UTC: 1 March in Paris.
    assert months.rows == [
        ["janvier 2025", 2, 2, 1],
        ["février 2025", 2, 1, 1],
        ["mars 2025", 4, 2, 0],
    ]


def test_key_figures_count_young_people_once(world):
    figures = figures_for(FRANCE_SCOPE, Q1)
    key = key_figures(figures, all_tables(figures, mask=False), mask=False)
    assert key == {
        "sent": 8,
        "young_people": 5,  # P1, P2 and P5 twice each
        "entries": 2,
        "entry_rate": 0.25,
        "completed": 1,
        "ack_median": 1,
        "expired_share": 1 / 8,
    }


def test_period_bounds(world):
    assert tables(period=Period.parse("2024-12"))["entonnoir"].rows[0][1] == 1  # R8 only
    assert tables(period=Period.parse("2025-02..2025-02"))["entonnoir"].rows[0][1] == 2  # R3 R4


@pytest.mark.parametrize(
    ("kind", "code", "sent"),
    [
        (MISSION_LOCALE, "rodez", 5),  # R1 R2 R4 R5 R7
        (SITE, "rodez", 4),  # R1 R2 R4 R5
        (CENTRE, "occitanie", 7),  # its own R3 R7 R9 and Rodez's
        (CENTRE, "aura", 1),  # R6
        (REGION, "76", 6),
        (DEPARTMENT, "12", 5),
    ],
)
def test_scopes(world, kind, code, sent):
    objects = {MISSION_LOCALE: world.ml, SITE: world.sites, CENTRE: world.sites}
    pk = str(getattr(objects[kind], code).pk) if kind in objects else code
    assert tables(Scope(kind, pk, ""))["entonnoir"].rows[0][1] == sent


def test_pre_aggregated_figures_are_those_counted_live(world):
    live = {
        scope.key: tables(scope)
        for scope in (
            FRANCE_SCOPE,
            Scope(REGION, "76", ""),
            Scope(REGION, "84", ""),
            Scope(CENTRE, str(world.sites.occitanie.pk), ""),
            Scope(CENTRE, str(world.sites.aura.pk), ""),
        )
    }
    aggregates_refresh()
    for key, expected in live.items():
        scope = Scope(*key.split(":"), "") if ":" in key else FRANCE_SCOPE
        stored = figures_for(scope, Q1)
        assert stored.as_of is not None
        got = all_tables(stored, mask=False)
        for name, table in expected.items():
            assert got[name].rows == table.rows, (key, name)
        assert stored.young_people == figures_for(scope, Q1).young_people


def test_pre_aggregated_figures_wait_for_the_next_refresh(world):
    aggregates_refresh()
    person = world.people[2]
    referral(person, site=world.sites.rodez, status=ReferralStatus.SENT, sent="2025-03-30 10:00")
    assert tables()["entonnoir"].rows[0][1] == 8
    assert figures_for(FRANCE_SCOPE, Q1).young_people == 5
    # Smaller scopes are counted live.
    assert tables(Scope(SITE, str(world.sites.rodez.pk), ""))["entonnoir"].rows[0][1] == 5
    aggregates_refresh()
    assert tables()["entonnoir"].rows[0][1] == 9
    assert Refresh.objects.count() == 2


def test_refresh_ignores_referrals_sent_after_it_started(world, monkeypatch):
    from tremplin.stats import services

    monkeypatch.setattr(services.timezone, "now", lambda: at("2025-03-01 12:00"))
    refresh = aggregates_refresh()
    assert refresh.referrals == 6  # R1–R5 and R8
    assert refresh.started_at == at("2025-03-01 12:00")
    figures = figures_for(FRANCE_SCOPE, Q1)
    assert figures.sent == 5 and figures.young_people == 4


def test_no_referral_gives_empty_tables_not_errors():
    t = tables()
    assert t["entonnoir"].rows[0][1] == 0
    assert t["delais"].row("Envoi → prise en charge")[1:] == [0, None, None]
    assert t["ages"].column("count") == [0, 0, 0, 0]


def test_negative_delays_from_bad_clocks_count_as_day_zero(world):
    r = world.referrals.r7
    r.acknowledged_at = r.sent_at - datetime.timedelta(days=2)
    r.save()
    delays = tables()["delais"]
    assert delays.row("Envoi → prise en charge")[1] == 6
    assert delays.row("Envoi → prise en charge")[2] == 1  # [0, 0, 1, 1, 2, 7]


def test_counting_in_chunks_gives_the_same_figures(world, monkeypatch):
    from tremplin.stats import aggregation

    whole = tables()
    monkeypatch.setattr(aggregation, "CHUNK_SIZE", 3)
    chunked = tables()
    assert {k: t.rows for k, t in chunked.items()} == {k: t.rows for k, t in whole.items()}
    assert figures_for(FRANCE_SCOPE, Q1).young_people == 5
    aggregates_refresh()
    assert {k: t.rows for k, t in tables().items()} == {k: t.rows for k, t in whole.items()}


def test_distinct_people_for_every_period():
    import numpy as np

    from tremplin.stats.aggregation import distinct_people

    # Person 1 in months 0 and 2, person 2 in month 1 (twice), person 3 in month 2.
    counts = distinct_people(np.array([1, 1, 2, 2, 3]), np.array([10, 12, 11, 11, 12]), 10, 3)
    assert counts.tolist() == [
        [1, 2, 3],  # from month 0: up to 0 -> {1}; up to 1 -> {1, 2}; up to 2 -> {1, 2, 3}
        [0, 1, 3],  # from month 1: {2}; {1, 2, 3}
        [0, 0, 2],  # month 2 alone: {1, 3}
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2025-02", 2),  # R3 (P3), R4 (P1)
        ("2024-12..2025-01", 3),  # R8 (P4), R1 (P1), R2 (P2)
        ("2024-06..2024-11", 0),  # before any referral
        ("2025-03..2026-01", 3),  # R5 (P4), R6 and R9 (P5), R7 (P2): beyond the data, as far as it goes
        ("2020-01..2029-12", 5),
    ],
)
def test_pre_aggregated_young_people_for_any_period(world, period, expected):
    live = figures_for(FRANCE_SCOPE, Period.parse(period)).young_people
    aggregates_refresh()
    assert figures_for(FRANCE_SCOPE, Period.parse(period)).young_people == live == expected


def test_refresh_stats_command(world):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("refresh_stats", stdout=out)
    assert out.getvalue().startswith("9 orientations comptées, ")
    assert Refresh.objects.get().referrals == 9
