"""The whole life of a referral through the pages, as each role would click it: the counsellor sends
from the ranking, the Cnam referent takes it from sent to completed, both see the same timeline,
and each step emails the other side."""

import datetime
import re

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tremplin.referrals.enums import ReferralStatus
from tremplin.referrals.models import Referral, ReferralMessage


def local_input(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_from_the_ranking_to_the_end_of_the_training(
    login, client, counsellor, referent, person, session, django_capture_on_commit_callbacks
):
    # The counsellor finds the session in the person's ranking, with an "Orienter" link.
    ml = login(counsellor)
    record = ml.get(reverse("youth:detail", args=[person.pk])).content.decode()
    create_url = f"{reverse('referrals:create')}?person={person.pk}&amp;session={session.pk}"
    assert create_url in record

    page = ml.get(create_url.replace("&amp;", "&")).content.decode()
    assert "Développeur web" in page and "Cnam Aveyron" in page
    assert (
        "Pas encore assez d&#x27;orientations vers ce centre" in page
        or "Pas encore assez d'orientations" in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = ml.post(
            create_url.replace("&amp;", "&"),
            {"message": "Léa est très motivée.\nDisponible le matin.", "notify_young_person": "on"},
        )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse("referrals:detail", args=[referral.pk])
    assert (referral.status, referral.site, referral.sender) == (
        ReferralStatus.SENT,
        session.action.cnam_site,
        counsellor,
    )

    to_cnam = [m for m in mail.outbox if m.to == [referent.email]]
    to_person = [m for m in mail.outbox if m.to == [person.email]]
    assert len(to_cnam) == 1 and len(to_person) == 1
    assert "Mission locale du Grand Rodez" in to_cnam[0].body and "Léa est très motivée." in to_cnam[0].body
    assert f"https://tremplin.example.fr/orientations/{referral.pk}/" in to_cnam[0].body
    assert (
        "05 65 00 00 00" in to_person[0].body
        and "https://tremplin.example.fr/orientations/reponse/" in to_person[0].body
    )

    # The Cnam referent finds it in the inbox and carries it to the end.
    client.logout()
    cnam = login(referent)
    inbox = cnam.get(reverse("referrals:inbox")).content.decode()
    assert "MARTIN Léa" in inbox and "Mission locale du Grand Rodez" in inbox
    detail = cnam.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Léa est très motivée.<br>Disponible le matin." in detail
    assert "lea.martin@example.org" in detail  # the shared data, as consented

    meeting = timezone.now() + datetime.timedelta(days=3)
    steps = [
        ("acknowledge", {}, ReferralStatus.ACKNOWLEDGED),
        (
            "plan_meeting",
            {"meeting_at": local_input(meeting), "meeting_place": "Cnam Aveyron, salle 2"},
            ReferralStatus.MEETING_PLANNED,
        ),
        ("admit", {"comment": "Dossier complet."}, ReferralStatus.ADMITTED),
        ("enroll", {"entry_date": timezone.localdate().isoformat()}, ReferralStatus.ENROLLED),
        ("complete", {"outcome": "certified"}, ReferralStatus.COMPLETED),
    ]
    for action, data, status in steps:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = cnam.post(
                reverse("referrals:action", args=[referral.pk, action]),
                {f"{action}-{k}": v for k, v in data.items()},
            )
        assert response.status_code == 302, response.content.decode()[:3000]
        referral.refresh_from_db()
        assert referral.status == status
        assert [m.to for m in mail.outbox] == [[counsellor.email]], action
    referral.refresh_from_db()
    assert referral.referent == referent and referral.outcome == "certified"
    assert all(
        [
            referral.acknowledged_at,
            referral.meeting_planned_at,
            referral.decided_at,
            referral.enrolled_at,
            referral.ended_at,
        ]
    )

    # Both sides see the same timeline.
    cnam_page = cnam.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    client.logout()
    ml = login(counsellor)
    ml_page = ml.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    timeline = re.compile(r'<ol class="tremplin-timeline">(.*?)</ol>', re.S)
    assert timeline.search(cnam_page).group(1) == timeline.search(ml_page).group(1)
    labels = re.findall(r"<strong>[\d/: ]+</strong> — ([^<]+)</p>", timeline.search(ml_page).group(1))
    assert labels == [
        "Envoyée",
        "Lien envoyé au ou à la jeune",
        "Prise en charge",
        "Entretien planifié",
        "Admission prononcée",
        "Entrée en formation",
        "Formation terminée",
    ]
    assert "Julien Roux (Cnam Aveyron)" in ml_page and "issue : Certification obtenue" in ml_page
    assert "Dossier complet." in ml_page


def test_the_thread_between_both_sides_with_unread_markers(
    login, client, counsellor, referent, referral, django_capture_on_commit_callbacks
):
    ml = login(counsellor)
    with django_capture_on_commit_callbacks(execute=True):
        ml.post(reverse("referrals:message", args=[referral.pk]), {"body": "Pouvez-vous la recevoir mardi ?"})
    assert [m.to for m in mail.outbox] == [[referent.email]]
    assert "Pouvez-vous la recevoir mardi ?" in mail.outbox[0].body

    client.logout()
    cnam = login(referent)
    assert "1 non lu" in cnam.get(reverse("referrals:inbox")).content.decode()
    page = cnam.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Pouvez-vous la recevoir mardi ?" in page
    assert "non lu" not in cnam.get(reverse("referrals:inbox")).content.decode()  # read now

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cnam.post(reverse("referrals:message", args=[referral.pk]), {"body": "Oui, à 10 h."})
    assert [m.to for m in mail.outbox] == [[counsellor.email]]
    assert ReferralMessage.objects.filter(referral=referral).count() == 2


def test_messages_are_plain_text_and_bounded(login, counsellor, referral):
    ml = login(counsellor)
    url = reverse("referrals:message", args=[referral.pk])

    long = ml.post(url, {"body": "a" * 10_000}).content.decode()
    html = ml.post(url, {"body": "Bonjour <script>alert(1)</script>"}).content.decode()
    empty = ml.post(url, {"body": "   "}).content.decode()

    assert "au plus 5000 caractères (actuellement 10000)" in long
    assert "balises HTML" in html
    assert "<script>alert(1)</script>" not in html
    assert "Ce champ est obligatoire" in empty
    assert not ReferralMessage.objects.exists()


def test_a_message_with_a_lone_angle_bracket_is_escaped_on_display(login, counsellor, referral):
    ml = login(counsellor)
    ml.post(reverse("referrals:message", args=[referral.pk]), {"body": "niveau < bac & motivée"})
    page = ml.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "niveau &lt; bac &amp; motivée" in page
