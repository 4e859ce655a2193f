"""Test helpers for the second factor: a device, its current code, a session where it was entered."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts import second_factor


def device_for(user) -> TOTPDevice:
    """The person's confirmed authentication app, created if they have none."""
    return second_factor.confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name=second_factor.DEVICE_NAME, confirmed=True
    )


def current_code(device: TOTPDevice) -> str:
    """What the app shows right now, computed from the device's secret as a phone would."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def mark_verified(client, user) -> None:
    """As if the person had just entered a code: the session remembers the device (django_otp.login)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_for(user).persistent_id
    session[second_factor.SESSION_KEY] = second_factor.VERIFY
    session.save()
