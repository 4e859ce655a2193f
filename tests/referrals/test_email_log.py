"""A failed email is logged without the recipient's address (no personal data in logs)."""

import logging

from django.core import mail

from tests.referrals.factories import ReferralFactory
from tremplin.referrals import notifications
from tremplin.referrals.models import OutboxEmail


def test_failed_email_log_names_no_address(monkeypatch, caplog, net, counsellor, person, session):
    referral = ReferralFactory(young_person=person, session=session, sender=counsellor)
    email = OutboxEmail.objects.create(
        key="test-failure",
        to="lea.martin@example.org",
        referral=referral,
        subject="Essai",
        body="Essai",
        created_at=referral.sent_at,
    )

    def refuse(*args, **kwargs):
        raise OSError("550 lea.martin@example.org: no such user")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with caplog.at_level(logging.WARNING, logger=notifications.logger.name):
        assert notifications.deliver_one(email.pk) is False
    assert "failed" in caplog.text
    assert "lea.martin" not in caplog.text
    assert mail.outbox == []
    assert "550" in OutboxEmail.objects.get(pk=email.pk).last_error  # kept for the operators, in the database
