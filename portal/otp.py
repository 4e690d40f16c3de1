"""TOTP second factor (django-otp): enrolment, backup codes, QR code, and the demo seeding.

TOTP (RFC 6238, HMAC-SHA1, 30 s, 6 digits) is the cryptographic factor 等保 8.1.4.1 d asks for;
django-otp's `last_t` refuses a code that was already used, and its throttling doubles the wait
after each failure. Every privileged account also gets 10 single-use backup codes.
"""

import secrets
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "portal-totp"
BACKUP_DEVICE_NAME = "portal-backup"
BACKUP_CODES = 10


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG path (no script, no style attribute: CSP-safe)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg class="otp-qr" role="img" aria-label="QR" ', 1))  # noqa: S308


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice) -> list[str]:
    """Make `device` the user's only TOTP device and issue fresh backup codes (returned once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return issue_backup_codes(user)


@transaction.atomic
def issue_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def remove_devices(user) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    return deleted + StaticDevice.objects.filter(user=user).delete()[0]


def seed_demo_devices(users) -> int:
    """PORTAL_DEMO only: give each privileged demo account a confirmed TOTP device, so the verify
    page can show its current code ("演示环境验证码"). Never runs under production settings."""
    from portal.security import requires_otp

    if not settings.PORTAL_DEMO:
        return 0
    created = 0
    for user in users:
        if requires_otp(user) and confirmed_totp(user) is None:
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
            created += 1
    return created
