"""Webhooks: each status change of a referral is POSTed to the URLs that the organisations concerned
(its mission locale, its Cnam site and that site's regional centre) registered.

``deliver_pending(now)`` is called by ``referrals_tick``. It first turns the status changes of the
recent past into deliveries (one per webhook and event: the unique constraint makes a second run,
or two runs at once, add nothing), then sends those due. A failed sending is tried again later
(``BACKOFF``), and given up after the last delay. Nothing is lost between two runs: the events are
read from the referrals' own log, not from a queue fed by the transitions.

The body is JSON, without personal data: the receiver reads the referral through the API. It is
signed with the webhook's secret::

    Tremplin-Signature: t=1726221600,v1=<hex HMAC-SHA256(secret, "1726221600." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant
time, and refuses a timestamp older than a few minutes (a replayed delivery).
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tremplin.api.enums import DeliveryStatus
from tremplin.api.models import Webhook, WebhookDelivery
from tremplin.referrals.models import ReferralEvent

logger = logging.getLogger(__name__)

EVENT_TYPE = "referral.status_changed"
SIGNATURE_HEADER = "Tremplin-Signature"
# Delay before each new attempt; after the last one the delivery is given up (about two days in all).
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
    datetime.timedelta(hours=12),
    datetime.timedelta(hours=24),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
# Events older than this when a run first sees them are not sent (a webhook registered today does
# not receive last year's history; a tick stopped for a day still catches up).
LOOKBACK = datetime.timedelta(days=2)
TIMEOUT_SECONDS = 5
# How long the delivery log keeps a delivery once delivered or given up.
LOG_KEPT = datetime.timedelta(days=90)
BATCH = 200
MAX_ERROR_LENGTH = 500


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (written here for the tests and as a reference for integrators)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def allow_private_networks() -> bool:
    """Webhooks may target the loopback and private networks only when the operator says so (tests,
    a receiver on the same private network): otherwise a webhook could probe the server's network."""
    return getattr(settings, "TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS", settings.DEBUG)


class RefusedAddress(Exception):
    pass


def check_url(url: str) -> None:
    """Refuse what no partner's system needs: other schemes, credentials in the URL, and (unless
    allowed) addresses of private networks."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise RefusedAddress("L'adresse doit commencer par https://.")
    if parts.scheme == "http" and not allow_private_networks():
        raise RefusedAddress("L'adresse doit commencer par https:// (les données sont chiffrées en transit).")
    if parts.username or parts.password:
        raise RefusedAddress("L'adresse ne doit pas contenir d'identifiant ni de mot de passe.")
    if not parts.hostname:
        raise RefusedAddress("L'adresse n'a pas de nom d'hôte.")


def _check_resolved(hostname: str, port: int) -> None:
    if allow_private_networks():
        return
    try:
        infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise RefusedAddress(f"nom d'hôte introuvable ({error})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RefusedAddress(f"adresse {address} d'un réseau privé, refusée")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirection is answered as the error it is


_opener = urllib.request.build_opener(_NoRedirect)


def payload(event: ReferralEvent, delivery_uuid: str) -> dict:
    base = settings.SITE_URL.rstrip("/")
    referral = event.referral
    return {
        "id": delivery_uuid,
        "type": EVENT_TYPE,
        "created_at": event.created_at.isoformat(),
        "data": {
            "referral": referral.pk,
            "referral_url": f"{base}/api/v1/referrals/{referral.pk}/",
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
            "side": event.side,
            "mission_locale": referral.mission_locale_id,
            "site": referral.site_id,
            "session": referral.session_id,
        },
    }


def _receivers(event: ReferralEvent) -> list[int]:
    referral = event.referral
    return [org for org in (referral.mission_locale_id, referral.site_id, referral.site.parent_id) if org]


@dataclass
class DeliveryReport:
    created: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0

    def lines(self) -> list[str]:
        return [
            f"webhooks : {self.created} envoi(s) préparé(s), {self.delivered} remis, "
            f"{self.failed_attempts} échec(s) à réessayer, {self.given_up} abandonné(s)"
        ]


def enqueue(now: datetime.datetime) -> int:
    """Deliveries for the status changes since LOOKBACK that the active webhooks have not got yet."""
    webhooks = Webhook.objects.filter(is_active=True)
    if not webhooks.exists():
        return 0
    by_organisation: dict[int, list[Webhook]] = {}
    for webhook in webhooks:
        by_organisation.setdefault(webhook.organisation_id, []).append(webhook)
    organisations = list(by_organisation)
    events = (
        ReferralEvent.objects.exclude(to_status="")
        .filter(created_at__gte=now - LOOKBACK, created_at__lte=now)
        .filter(
            Q(referral__mission_locale_id__in=organisations)
            | Q(referral__site_id__in=organisations)
            | Q(referral__site__parent_id__in=organisations)
        )
        .select_related("referral__site")
        .order_by("created_at", "pk")
    )
    # What earlier runs prepared already, in one query (the window bounds it).
    done = set(
        WebhookDelivery.objects.filter(event__created_at__gte=now - LOOKBACK).values_list(
            "webhook_id", "event_id"
        )
    )
    created = 0
    for event in events.iterator(chunk_size=500):
        for organisation in _receivers(event):
            for webhook in by_organisation.get(organisation, ()):
                # A webhook receives what happens after it was registered.
                if event.created_at < webhook.created_at:
                    continue
                if (webhook.pk, event.pk) in done:
                    continue
                delivery_uuid = str(uuid.uuid4())
                try:
                    with transaction.atomic():
                        WebhookDelivery.objects.create(
                            webhook=webhook,
                            event=event,
                            uuid=delivery_uuid,
                            payload=payload(event, delivery_uuid),
                            next_attempt_at=now,
                            created_at=now,
                        )
                except IntegrityError:  # another run created it meanwhile
                    continue
                created += 1
    return created


def _send(delivery: WebhookDelivery, now: datetime.datetime) -> tuple[int | None, str]:
    """POST the delivery; returns (HTTP status or None, error text or "")."""
    url = delivery.webhook.url
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        check_url(url)
        parts = urllib.parse.urlsplit(url)
        _check_resolved(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except RefusedAddress as refused:
        return None, str(refused)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Tremplin-Webhook/1",
            "Tremplin-Event": EVENT_TYPE,
            "Tremplin-Delivery": delivery.uuid,
            SIGNATURE_HEADER: sign(delivery.webhook.secret, body, int(now.timestamp())),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"réponse HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"échec de connexion : {reason}"


def send_due(now: datetime.datetime) -> tuple[int, int, int]:
    """Send the deliveries whose time has come; returns (delivered, failed attempts, given up).
    After a failure, the other deliveries to the same webhook wait for the next run: a receiver that
    is down does not hold the tick for every one of its deliveries."""
    delivered = failed = given_up = 0
    failing: set[int] = set()
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__is_active=True
        )
        .select_related("webhook")
        .order_by("next_attempt_at", "pk")[:BATCH]
    )
    for delivery in due:
        if delivery.webhook_id in failing:
            continue
        with transaction.atomic():
            # Claim the row: a concurrent run that took it already moved its next attempt.
            claimed = WebhookDelivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=delivery.next_attempt_at
            ).update(next_attempt_at=now + datetime.timedelta(minutes=10))
        if not claimed:
            continue
        code, error = _send(delivery, now)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = code
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
            delivered += 1
        else:
            failing.add(delivery.webhook_id)
            delivery.last_error = error[:MAX_ERROR_LENGTH]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                given_up += 1
            else:
                delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
                failed += 1
            logger.warning("Webhook delivery %s to %s failed: %s", delivery.uuid, delivery.webhook.url, error)
        delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_error",
            ]
        )
    return delivered, failed, given_up


def purge(now: datetime.datetime) -> None:
    """Forget what is kept only for a while: stored idempotent answers after their 24 hours (they may
    hold a young person's record), deliveries after LOG_KEPT."""
    from tremplin.api.idempotency import KEY_LIFETIME
    from tremplin.api.models import IdempotentRequest

    IdempotentRequest.objects.filter(created_at__lt=now - KEY_LIFETIME).delete()
    WebhookDelivery.objects.exclude(status=DeliveryStatus.PENDING).filter(
        created_at__lt=now - LOG_KEPT
    ).delete()


def deliver_pending(now: datetime.datetime | None = None) -> DeliveryReport:
    """What ``referrals_tick`` calls: prepare the deliveries of the new status changes, send those
    due, and purge what is kept only for a while. Running it again at once sends nothing twice."""
    now = now or timezone.now()
    report = DeliveryReport(created=enqueue(now))
    report.delivered, report.failed_attempts, report.given_up = send_due(now)
    purge(now)
    return report
