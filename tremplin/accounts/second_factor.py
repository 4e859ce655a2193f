"""Second factor: a TOTP code from an authentication app (django-otp), after the password.

Who must enter one: anyone who turned it on, and — unless TREMPLIN_OTP_REQUIRED is false — staff
and members of a steering body, who must set one up if they have none yet.

What is due is decided once at login and kept in the session, so that pages cost no query for
it; the cheap signs of a role gained since (staff flag, current membership) are checked on
every request."""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership

SESSION_KEY = "second_factor"
VERIFY, SET_UP, NONE = "verify", "set_up", "none"
DEVICE_NAME = "Application d'authentification"


def is_required(user) -> bool:
    """Whether this person's role imposes a second factor."""
    if not settings.TREMPLIN_OTP_REQUIRED:
        return False
    return user.is_staff or Membership.objects.active().filter(user=user, role=Role.STEERING).exists()


def due_at_login(user) -> str:
    if user_has_device(user, confirmed=True):
        return VERIFY
    return SET_UP if is_required(user) else NONE


def pending(request) -> bool:
    """True while the signed-in person still has a code to enter (or an app to set up)."""
    user = request.user
    if not user.is_authenticated or _is_verified(user):
        return False
    due = request.session.get(SESSION_KEY)
    if due is None or (due == VERIFY and not user_has_device(user, confirmed=True)):
        # A session opened before second factors existed, or whose app was removed since the login
        # (reset_second_factor): what is due now.
        due = request.session[SESSION_KEY] = due_at_login(user)
    if due != NONE:
        return True
    membership = getattr(request, "membership", None)
    return settings.TREMPLIN_OTP_REQUIRED and (
        user.is_staff or (membership is not None and membership.role == Role.STEERING)
    )


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's middleware
    return bool(is_verified and is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The device being set up: a new secret, kept until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def device_confirm(*, device: TOTPDevice) -> None:
    """Make this device the person's only one."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def devices_remove(*, user) -> int:
    """Turn the second factor off (or reset it, for a person who lost their phone)."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def secret_text(device: TOTPDevice) -> str:
    """The secret in base 32, in groups of four, for typing it into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code, inline SVG (dark on white whatever the page theme)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        title="QR code à scanner avec votre application d'authentification",
    )
