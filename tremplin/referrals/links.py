"""The young person's link: signed (salted for this one purpose), expiring after
REFERRAL_LINK_MAX_AGE_DAYS, revoked when a newer one is sent, and usable once (see
``services.referral_young_person_answer``). Ages are measured on ``clock.now()``."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tremplin.referrals import clock
from tremplin.referrals.deadlines import setting

SALT = "tremplin.referrals.young-person-link"


class _Signer(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(clock.now().timestamp()))

    def unsign_within(self, value: str, max_age: datetime.timedelta) -> str:
        result = signing.Signer.unsign(self, value)  # BadSignature when forged
        value, timestamp = result.rsplit(self.sep, 1)
        age = clock.now().timestamp() - signing.b62_decode(timestamp)
        if age > max_age.total_seconds():
            raise signing.SignatureExpired(f"link is {age:.0f} s old")
        return value


def _signer() -> _Signer:
    return _Signer(salt=SALT)


def make_token(referral) -> str:
    return _signer().sign(f"{referral.pk}.{referral.link_nonce}")


def link_url(referral) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("referrals:young_person_link", args=[make_token(referral)])


def read_token(token: str):
    """The referral the token was made for; raises ``services.LinkError`` (forged, expired, revoked,
    used)."""
    from tremplin.referrals.models import Referral
    from tremplin.referrals.services import LinkError

    max_age = datetime.timedelta(days=setting("REFERRAL_LINK_MAX_AGE_DAYS"))
    try:
        value = _signer().unsign_within(token, max_age)
    except signing.SignatureExpired:
        raise LinkError(
            f"Ce lien a expiré : il était valable {max_age.days} jours. Votre conseiller·ère de mission "
            "locale peut vous en envoyer un nouveau.",
            "expired",
        ) from None
    except signing.BadSignature:
        raise LinkError("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.", "forged") from None
    pk, _, nonce = value.partition(".")
    referral = (
        Referral.objects.select_related("young_person", "site", "session__action__training")
        .filter(pk=int(pk) if pk.isdigit() else 0)
        .first()
    )
    if referral is None or not nonce:
        raise LinkError("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.", "forged")
    if referral.link_nonce != nonce:
        raise LinkError(
            "Ce lien a été remplacé par un lien plus récent : utilisez le dernier courriel reçu.",
            "revoked",
            referral,
        )
    if referral.link_used_at is not None:
        raise LinkError("Ce lien a déjà été utilisé.", "used", referral)
    return referral
