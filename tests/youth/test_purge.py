"""``purge_personal_data``: which records are anonymised, what goes, what stays, and the statistics
that must not move by a single unit."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests import occitanie
from tests.stats.factories import world as stats_world
from tests.youth.factories import YoungPersonFactory, born
from tremplin.referrals.enums import Action, ReferralStatus, Side
from tremplin.referrals.models import Notification, OutboxEmail, Referral, ReferralEvent, ReferralMessage
from tremplin.stats import reach
from tremplin.stats.figures import figures_for
from tremplin.stats.indicators import all_tables
from tremplin.stats.models import Aggregate, DistinctYoungPeople, Refresh
from tremplin.stats.periods import Period
from tremplin.stats.scopes import scope_from_key
from tremplin.stats.services import aggregates_refresh
from tremplin.youth import anonymisation
from tremplin.youth.anonymisation import (
    purge_candidates,
    stats_preserving_birth_date,
    young_person_anonymise,
)
from tremplin.youth.enums import AccessAction, AnonymisationReason
from tremplin.youth.models import YoungPerson, YoungPersonAccess, age_on

PARIS = ZoneInfo("Europe/Paris")
LONG_AGO = datetime.datetime(2023, 6, 1, 12, tzinfo=datetime.UTC)

# The network's counsellor, not the youth conftest's (of a mission locale of its own).
counsellor = occitanie.counsellor


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def make_idle(*people, when=LONG_AGO):
    """Their records and referrals last changed ``when`` (update() leaves auto_now alone)."""
    ids = [p.pk for p in people]
    YoungPerson.objects.filter(pk__in=ids).update(created_at=when, updated_at=when)
    Referral.objects.filter(young_person_id__in=ids).update(updated_at=when)


# ---------------------------------------------------------------------------------------------------
# The statistics


def stats_snapshot() -> dict:
    """Every dashboard table of every scope over the data's months, counted live, then stored by a
    refresh (the cells and distinct counts it writes), and the reach analysis."""
    Refresh.objects.all().delete()
    Aggregate.objects.all().delete()
    DistinctYoungPeople.objects.all().delete()
    period = Period.parse("2024-12..2025-04")
    keys = ["france", "region:76", "region:84", "department:12", "department:31", "department:15"]
    keys += [
        f"mission_locale:{pk}"
        for pk in Referral.objects.values_list("mission_locale_id", flat=True).distinct()
    ]
    keys += [f"site:{pk}" for pk in Referral.objects.values_list("site_id", flat=True).distinct()]
    keys += [
        f"centre:{pk}" for pk in Referral.objects.values_list("site__parent_id", flat=True).distinct() if pk
    ]
    snapshot = {}
    for key in sorted(keys):
        figures = figures_for(scope_from_key(key), period)
        tables = all_tables(figures, mask=False)
        snapshot[("live", key)] = (figures.young_people, {k: t.rows for k, t in tables.items()})
    aggregates_refresh()
    snapshot["aggregates"] = sorted(
        Aggregate.objects.values_list("scope", "month", "dimension", "value", "count")
    )
    snapshot["distinct"] = sorted(
        DistinctYoungPeople.objects.values_list("scope", "first_month", "last_month", "count")
    )
    for key in ("france", "region:76", "region:84"):
        figures = figures_for(scope_from_key(key), period)
        snapshot[("stored", key)] = (
            figures.young_people,
            {k: t.rows for k, t in all_tables(figures, mask=True).items()},
        )
    analysis = reach.analyse()
    snapshot["reach"] = (
        analysis.young_people.tolist(),
        [(m.code, m.young_people) for m in analysis.missions_locales],
        reach.summary_table(analysis, mask=False).rows,
    )
    return snapshot


def test_statistics_are_identical_before_and_after_the_purge():
    world = stats_world()
    p1, p2 = world.people[0], world.people[1]
    ReferralEvent.objects.create(
        referral=world.referrals.r2, action=Action.REFUSE, side=Side.CNAM, reason="level",
        comment="Yanis n'a pas le niveau en maths", created_at=LONG_AGO,
    )  # fmt: skip
    ReferralMessage.objects.create(
        referral=world.referrals.r1, side=Side.ML, body="Zoé Quintard est très motivée", created_at=LONG_AGO
    )
    make_idle(*world.people)
    before = stats_snapshot()

    summary = purge()

    assert "5 fiche(s) anonymisée(s)" in summary
    assert YoungPerson.objects.filter(anonymised_at__isnull=True).count() == 0
    assert stats_snapshot() == before
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert (p1.first_name, p1.last_name) == ("Jeune", "anonymisé·e")
    # Yanis was 16 when R2 left (20 January 2025, birthday 1 February): 1 January would make him 17.
    assert p2.birth_date == datetime.date(2008, 1, 21)
    # Zoé was 18 on both of her referrals' days (15 January, 10 February 2025).
    assert p1.birth_date == datetime.date(2006, 2, 11)
    assert not ReferralEvent.objects.exclude(comment="").exists()
    assert list(ReferralMessage.objects.values_list("body", flat=True)) == ["[effacé]"]


@given(
    birth=st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2010, 12, 31)),
    offsets=st.lists(st.integers(min_value=16 * 365, max_value=27 * 365), max_size=6),
)
def test_the_replacement_birth_date_gives_the_same_age_on_every_referral_day(birth, offsets):
    days = [birth + datetime.timedelta(days=n) for n in offsets]
    replacement = stats_preserving_birth_date(birth, days)
    assert replacement.year == birth.year and replacement <= birth
    assert [age_on(replacement, d) for d in days] == [age_on(birth, d) for d in days]
    if not days:
        assert replacement == datetime.date(birth.year, 1, 1)


# ---------------------------------------------------------------------------------------------------
# Who is purged


@pytest.fixture
def referral(person, session, counsellor, net):
    now = timezone.now()
    return Referral.objects.create(
        young_person=person, session=session, site=net["site"], mission_locale=net["ml"], sender=counsellor,
        status=ReferralStatus.ACKNOWLEDGED, status_changed_at=now, sent_at=now, reason_detail="Léa Martin, suivie en CEJ",
        meeting_place="Salle 2", meeting_url="https://visio.example.org/lea-martin",
    )  # fmt: skip


def test_recent_activity_anywhere_keeps_the_record(person, referral):
    make_idle(person)
    assert [c.pk for c in purge_candidates()] == [person.pk]

    ReferralMessage.objects.create(
        referral=referral, side=Side.ML, body="Nouvelles ?", created_at=timezone.now()
    )
    assert purge_candidates() == []
    ReferralMessage.objects.all().delete()
    ReferralEvent.objects.create(
        referral=referral, action=Action.REMIND, side=Side.SYSTEM, created_at=timezone.now()
    )
    assert purge_candidates() == []
    ReferralEvent.objects.all().delete()
    Referral.objects.filter(pk=referral.pk).update(updated_at=timezone.now())
    assert purge_candidates() == []


def test_reading_the_record_is_not_activity(person, counsellor, net):
    make_idle(person)
    YoungPersonAccess.objects.create(young_person=person, user=counsellor, action=AccessAction.VIEW)
    assert [c.pk for c in purge_candidates()] == [person.pk]


def test_people_aged_26_are_anonymised_unless_a_referral_is_open(net, counsellor, person, referral):
    aged = YoungPersonFactory(mission_locale=net["ml"], birth_date=born(26), home_commune=net["rodez"])
    almost = YoungPersonFactory(
        mission_locale=net["ml"], birth_date=born(26, days=-1), home_commune=net["rodez"]
    )
    Referral.objects.filter(pk=referral.pk).update(young_person=aged)
    registered_at_24 = timezone.now() - datetime.timedelta(days=2 * 365)
    YoungPerson.objects.filter(pk__in=[aged.pk, almost.pk]).update(created_at=registered_at_24)

    assert purge_candidates() == []
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.WITHDRAWN)
    found = purge_candidates()
    assert [(c.pk, c.reason) for c in found] == [(aged.pk, AnonymisationReason.AGE)]
    assert almost.pk not in [c.pk for c in found]


def test_a_person_registered_after_26_with_an_rqth_is_kept_until_30(net):
    registered = YoungPersonFactory(mission_locale=net["ml"], birth_date=born(28), home_commune=net["rodez"])
    assert purge_candidates() == []
    YoungPerson.objects.filter(pk=registered.pk).update(birth_date=born(30))
    assert [c.pk for c in purge_candidates()] == [registered.pk]


def test_anonymisation_erases_the_person_and_their_referrals_free_text(person, referral, counsellor, net):
    person.accessibility_consent, person.accessibility_note, person.phone = (
        True,
        "Fauteuil roulant",
        "0612345678",
    )
    person.interests_text = "cuisine"
    person.save()
    OutboxEmail.objects.create(
        to=person.email,
        referral=referral,
        subject="Votre orientation",
        body="Bonjour Léa",
        created_at=timezone.now(),
    )
    staff_email = OutboxEmail.objects.create(
        to=counsellor.email, user=counsellor, referral=referral, subject="Orientation n° 1 (Léa M.)",
        body="Léa M. : prise en charge", created_at=timezone.now(),
    )  # fmt: skip
    Notification.objects.create(
        user=counsellor, referral=referral, summary="Orientation (Léa M.) : prise en charge",
        created_at=timezone.now(), email=staff_email,
    )  # fmt: skip

    assert young_person_anonymise(young_person=person, reason=AnonymisationReason.INACTIVITY)

    person.refresh_from_db()
    referral.refresh_from_db()
    assert person.is_anonymised and person.anonymisation_reason == "inactivity"
    assert (person.email, person.phone, person.interests_text, person.accessibility_note) == ("", "", "", "")
    assert not person.has_consent and not person.accessibility_consent
    assert (referral.reason_detail, referral.meeting_place, referral.meeting_url, referral.link_nonce) == (
        "",
        "",
        "",
        "",
    )
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert not OutboxEmail.objects.filter(user__isnull=True).exists()  # the email to Léa
    for text in [
        *OutboxEmail.objects.values_list("subject", "body"),
        *Notification.objects.values_list("summary"),
    ]:
        assert "Léa" not in " ".join(text)
    log = YoungPersonAccess.objects.get(young_person=person)
    assert (log.action, log.user) == (AccessAction.PURGE, None)
    assert not YoungPerson.objects.visible_to(counsellor.memberships.get()).exists()
    # Twice is harmless: nothing more changes, nothing more is logged.
    assert not young_person_anonymise(young_person=person, reason=AnonymisationReason.INACTIVITY)
    assert YoungPersonAccess.objects.count() == 1


def test_dry_run_changes_nothing_and_says_so(person):
    make_idle(person)

    output = purge("--dry-run")

    assert "Simulation : 1 fiche(s) seraient anonymisées (1 sans activité depuis 24 mois" in output
    assert "Rien n'a été modifié" in output
    person.refresh_from_db()
    assert not person.is_anonymised and person.first_name == "Léa"


def test_a_second_run_finds_nothing_left(person):
    make_idle(person)
    assert "1 fiche(s) anonymisée(s)" in purge()
    assert "0 fiche(s) anonymisée(s)" in purge()


def test_one_failing_person_stays_untouched_and_the_others_are_anonymised(net, person, monkeypatch):
    other = YoungPersonFactory(mission_locale=net["ml"], home_commune=net["rodez"], first_name="Noé")
    make_idle(person, other)
    real = anonymisation._erase_notifications

    def fail_for_lea(young_person):
        real(young_person)
        if young_person.pk == person.pk:
            raise RuntimeError("disk full")

    monkeypatch.setattr(anonymisation, "_erase_notifications", fail_for_lea)
    with pytest.raises(
        CommandError, match=f"1 fiche\\(s\\) n'ont pas pu être anonymisées \\(n° {person.pk}\\)"
    ):
        purge()

    person.refresh_from_db()
    other.refresh_from_db()
    assert person.first_name == "Léa" and not person.is_anonymised  # rolled back as a whole
    assert not YoungPersonAccess.objects.filter(young_person=person).exists()
    assert other.is_anonymised
    monkeypatch.setattr(anonymisation, "_erase_notifications", real)
    assert "1 fiche(s) anonymisée(s)" in purge()


def test_answers_kept_for_api_retries_are_forgotten_with_the_person(person, referral, counsellor):
    from tremplin.api.models import IdempotentRequest

    def kept(path, body):
        return IdempotentRequest.objects.create(
            user=counsellor, key=str(body), path=path, fingerprint="x", status_code=201, body=body
        )

    kept("/api/v1/young-people/", {"id": person.pk, "first_name": "Léa"})
    kept("/api/v1/referrals/", {"id": referral.pk, "young_person": {"id": person.pk, "first_name": "Léa"}})
    other = kept("/api/v1/referrals/", {"id": person.pk, "young_person": {"id": person.pk + 1}})

    young_person_anonymise(young_person=person, reason=AnonymisationReason.REQUEST)

    assert list(IdempotentRequest.objects.all()) == [other]
