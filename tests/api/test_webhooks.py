"""Webhooks against a local HTTP server: who receives what, the signature, retries with backoff,
giving up, the delivery log, and the refusal of private addresses."""

import datetime
import http.server
import json
import threading
import time

import pytest
from django.utils import timezone

from tests.referrals.factories import ReferralFactory
from tremplin.api import webhooks
from tremplin.api.clients import TokenMembership
from tremplin.api.enums import DeliveryStatus
from tremplin.api.models import Webhook, WebhookDelivery
from tremplin.api.services import webhook_create, webhook_deactivate
from tremplin.referrals.services import referral_transition


class Receiver(http.server.ThreadingHTTPServer):
    """Records what it receives; answers with the next status of ``statuses`` (then 200)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tremplin"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body})
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooks(net, receiver):
    """The same receiver registered by the Rodez mission locale, the Rodez site, the regional centre
    and the other mission locale, registered a minute ago."""
    before = timezone.now() - datetime.timedelta(minutes=1)
    result = {}
    for name in ("ml", "site", "centre", "other_ml"):
        hook = webhook_create(organisation=net[name], url=f"{receiver.url}/{name}", created_by=None)
        Webhook.objects.filter(pk=hook.pk).update(created_at=before)
        result[name] = Webhook.objects.get(pk=hook.pk)
    return result


def acknowledge(referral, net):
    return referral_transition(
        referral=referral, action="acknowledge", user=None, membership=TokenMembership.of(net["site"])
    )


def test_a_status_change_reaches_both_sides_signed(net, person, session, hooks, receiver):
    referral = ReferralFactory(young_person=person, session=session)
    acknowledge(referral, net)
    report = webhooks.deliver_pending()
    # The sending and the acknowledgement, to the mission locale, the site and its regional centre.
    assert (report.created, report.delivered) == (6, 6)
    statuses = sorted(json.loads(r["body"])["data"]["to_status"] for r in receiver.received)
    assert statuses == ["acknowledged"] * 3 + ["sent"] * 3
    for received in receiver.received:
        headers, body = received["headers"], received["body"]
        secret = Webhook.objects.get(deliveries__uuid=headers["Tremplin-Delivery"]).secret
        assert webhooks.verify(secret, body, headers["Tremplin-Signature"], now=int(time.time()))
        assert not webhooks.verify(
            "un autre secret", body, headers["Tremplin-Signature"], now=int(time.time())
        )
        assert headers["Tremplin-Event"] == "referral.status_changed"
        payload = json.loads(body)
        assert headers["Tremplin-Delivery"] == payload["id"]
        assert payload["data"]["referral"] == referral.pk
        assert (
            payload["data"]["referral_url"] == f"https://tremplin.example.fr/api/v1/referrals/{referral.pk}/"
        )
        # No personal data in the body.
        assert "Martin" not in body.decode() and "Léa" not in body.decode()
    assert not WebhookDelivery.objects.filter(webhook=hooks["other_ml"]).exists()


def test_a_tampered_body_fails_the_signature(net, person, session, hooks, receiver):
    ReferralFactory(young_person=person, session=session)
    webhooks.deliver_pending()
    received = receiver.received[0]
    secret = Webhook.objects.get(deliveries__uuid=received["headers"]["Tremplin-Delivery"]).secret
    tampered = received["body"].replace(b'"sent"', b'"enrolled"')
    assert not webhooks.verify(
        secret, tampered, received["headers"]["Tremplin-Signature"], now=int(time.time())
    )
    # An old signature (a replay) is refused too.
    assert not webhooks.verify(
        secret, received["body"], received["headers"]["Tremplin-Signature"], now=int(time.time()) + 600
    )


def test_running_again_sends_nothing_twice(net, person, session, hooks, receiver):
    ReferralFactory(young_person=person, session=session)
    webhooks.deliver_pending()
    count = len(receiver.received)
    report = webhooks.deliver_pending()
    assert (report.created, report.delivered) == (0, 0)
    assert len(receiver.received) == count == 3


def test_failures_are_retried_with_backoff_then_given_up(net, person, session, hooks, receiver):
    for name in ("site", "centre"):
        webhook_deactivate(webhook=hooks[name])
    ReferralFactory(young_person=person, session=session)
    now = timezone.now()
    receiver.statuses = [500] * 20
    report = webhooks.deliver_pending(now)
    assert (report.delivered, report.failed_attempts) == (0, 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code, delivery.status) == (1, 500, DeliveryStatus.PENDING)
    assert delivery.next_attempt_at == now + webhooks.BACKOFF[0]
    # Not due yet: nothing is sent.
    assert webhooks.deliver_pending(now + datetime.timedelta(seconds=30)).failed_attempts == 0
    assert len(receiver.received) == 1
    moment = now
    for delay in webhooks.BACKOFF:
        moment += delay
        webhooks.deliver_pending(moment)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status, delivery.next_attempt_at) == (
        webhooks.MAX_ATTEMPTS,
        DeliveryStatus.FAILED,
        None,
    )
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert "HTTP 500" in delivery.last_error


def test_a_receiver_back_up_gets_the_delivery(net, person, session, hooks, receiver):
    for name in ("site", "centre"):
        webhook_deactivate(webhook=hooks[name])
    ReferralFactory(young_person=person, session=session)
    now = timezone.now()
    receiver.statuses = [503, 503]
    webhooks.deliver_pending(now)
    webhooks.deliver_pending(now + webhooks.BACKOFF[0])
    report = webhooks.deliver_pending(now + webhooks.BACKOFF[0] + webhooks.BACKOFF[1])
    assert report.delivered == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DELIVERED, 3, "")
    bodies = {r["body"] for r in receiver.received}
    assert len(bodies) == 1  # the same delivery each time (same id), signed again


def test_an_unreachable_receiver_is_a_failed_attempt(net, person, session, hooks, receiver):
    for name in ("site", "centre", "ml"):
        webhook_deactivate(webhook=hooks[name])
    Webhook.objects.filter(pk=hooks["other_ml"].pk).update(url="http://127.0.0.1:9/ferme")
    other = ReferralFactory(young_person__mission_locale=net["other_ml"], session=session)
    report = webhooks.deliver_pending()
    assert report.failed_attempts == 1
    assert "connexion" in WebhookDelivery.objects.get(event__referral=other).last_error


def test_a_webhook_receives_only_what_happens_after_it_is_registered(net, person, session, receiver):
    ReferralFactory(
        young_person=person, session=session, sent_at=timezone.now() - datetime.timedelta(hours=1)
    )
    webhook_create(organisation=net["ml"], url=receiver.url, created_by=None)
    assert webhooks.deliver_pending().created == 0


def test_private_addresses_are_refused_unless_allowed(net, person, session, settings, receiver):
    hook = webhook_create(organisation=net["ml"], url=receiver.url, created_by=None)
    Webhook.objects.filter(pk=hook.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    settings.TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    ReferralFactory(young_person=person, session=session)
    report = webhooks.deliver_pending()
    assert report.failed_attempts == 1 and receiver.received == []
    assert "https://" in WebhookDelivery.objects.get().last_error
    with pytest.raises(webhooks.RefusedAddress):
        webhooks.check_url("http://127.0.0.1/x")


def test_a_private_address_behind_https_is_refused_at_sending(settings):
    settings.TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(webhooks.RefusedAddress, match="réseau privé"):
        webhooks._check_resolved("127.0.0.1", 443)


def test_the_tick_purges_old_answers_and_deliveries(net, person, session, hooks, receiver, api, tokens, rome):
    from tremplin.api.models import IdempotentRequest

    ReferralFactory(young_person=person, session=session)
    webhooks.deliver_pending()
    api(tokens["ml"]).post(
        "/api/v1/referrals/",
        {"young_person": person.pk, "site": net["other_site"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert IdempotentRequest.objects.count() == 1 and WebhookDelivery.objects.count() == 3
    webhooks.deliver_pending(timezone.now() + datetime.timedelta(hours=25))
    assert not IdempotentRequest.objects.exists()
    assert (
        WebhookDelivery.objects.count() == 5
    )  # and the new referral to Millau: its mission locale, the centre
    webhooks.deliver_pending(timezone.now() + webhooks.LOG_KEPT + datetime.timedelta(days=2))
    assert not WebhookDelivery.objects.exists()
