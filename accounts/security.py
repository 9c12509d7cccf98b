"""Login security (issue #8 items 3 and 5): who must pass a second factor, TOTP enrolment, and the
PA's "portal password unlock" of a cardmember whose login django-axes has locked.

Programme administrators and ops (staff) log in with a password and a TOTP code (django-otp);
cardmembers with a password only. OTP_REQUIRED_FOR_PAS=false switches the second factor off.
"""

from __future__ import annotations

import datetime as dt
import io

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import AuditEntry, Cardmember, Company, ProgrammeAdministrator
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

NO_LOGIN = "Cardmember {cardmember} has no portal login."
DEVICE_NAME = "Authenticator app"
# The lock doubles with every wrong code past the limit; 2**20 lock periods are decades already.
MAX_LOCK_DOUBLINGS = 20


def otp_required_for(user) -> bool:
    """PAs and ops must verify a TOTP code after their password; cardmembers need not."""
    if not getattr(settings, "OTP_REQUIRED_FOR_PAS", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or ProgrammeAdministrator.objects.filter(user_id=user.pk).exists()


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a user is enrolling with; the same one (and secret) on every visit."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_enrolment_confirm(device: TOTPDevice) -> None:
    """A first correct code confirms the device; any other device of the user is dropped."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])


def second_factor_devices(user) -> list:
    """The user's confirmed second-factor devices (the authenticator app and, once enrolled, recovery codes)."""
    from django_otp import devices_for_user

    return list(devices_for_user(user, confirmed=True))


def second_factor_locked_until(user) -> dt.datetime | None:
    """Until when the user's second factor refuses every code, or None when it accepts codes.

    SPEC section 17, issue 15 item 1: second-factor failures are counted per user (django-otp's
    failure counters on the user's devices, summed), are never reset by a correct password, and are
    reset only by a correct code. After OTP_FAILURE_LIMIT wrong codes in a row, codes are refused for
    OTP_LOCKOUT_MINUTES, doubling with every wrong code after that, so guessing is hopeless.
    """
    devices = second_factor_devices(user)
    failures = sum(device.throttling_failure_count for device in devices)
    if failures < settings.OTP_FAILURE_LIMIT:
        return None
    last = max((device.throttling_failure_timestamp for device in devices if device.throttling_failure_timestamp),
               default=None)
    if last is None:
        return None
    doublings = min(failures - settings.OTP_FAILURE_LIMIT, MAX_LOCK_DOUBLINGS)
    until = last + dt.timedelta(minutes=settings.OTP_LOCKOUT_MINUTES * 2 ** doublings)
    return until if until > timezone.now() else None


def second_factor_verify(*, user, device, token: str) -> bool:
    """Check a code against one of the user's devices, unless the user's second factor is locked.

    A wrong code counts toward the user's lock (issue 15 item 1); a right one clears the count on all
    of the user's devices. The device row is locked so two guesses at once both count.
    """
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        if second_factor_locked_until(user) is not None:
            return False
        ok = bool(locked.verify_token(token))
        if ok:
            for other in second_factor_devices(user):
                if other.persistent_id != locked.persistent_id and other.throttling_failure_count:
                    other.throttle_reset()
    if ok:
        device.refresh_from_db()
    return ok


def totp_secret_base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (segno; no external service sees the secret)."""
    import segno

    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True,
                                                  title="otpauth", border=2)
    return buffer.getvalue().decode("utf-8")


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The device's current code (or the one `steps_ahead` time steps later), zero-padded.

    A code verifies once: TOTPDevice remembers the last time step used, so a second login in the same
    30 seconds needs `steps_ahead=1` (accepted within the device's tolerance of one step).
    """
    counter = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    counter.time = timezone.now().timestamp() + steps_ahead * device.step
    return str(counter.token()).zfill(device.digits)


# Locked logins (django-axes: AXES_FAILURE_LIMIT failures for a username from one IP address within
# AXES_COOLOFF_TIME lock that username at that address).


def _locked_attempts() -> QuerySet[AccessAttempt]:
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def locked_usernames(usernames) -> set[str]:
    return set(_locked_attempts().filter(username__in=list(usernames)).values_list("username", flat=True))


def company_locked_cardmembers(company: Company) -> list[Cardmember]:
    """The company's cardmembers whose portal login is locked now, each with `locked_since`."""
    cardmembers = {
        cm.user.username: cm
        for cm in Cardmember.objects.filter(company=company, user__isnull=False).select_related("user")
    }
    latest: dict[str, dt.datetime] = {}
    for username, at in _locked_attempts().filter(username__in=list(cardmembers)).values_list(
            "username", "attempt_time"):
        latest[username] = max(at, latest.get(username, at))
    result = []
    for username, cardmember in cardmembers.items():
        if username in latest:
            cardmember.locked_since = latest[username]
            result.append(cardmember)
    return sorted(result, key=lambda cm: (cm.last_name, cm.first_name, cm.pk))


def cardmember_login_unlock(*, cardmember: Cardmember, by: Actor, on: dt.date | None = None) -> int:
    """Clear django-axes' failed-login records for the cardmember's username (from every IP address)
    and audit it. Returns how many lockout records were removed (0 when the login was not locked)."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="unlock the login of", what="cardmember")
    if cardmember.user_id is None:
        raise ApplicationError(NO_LOGIN.format(cardmember=cardmember), "no_login", status=409)
    username = cardmember.user.get_username()
    with transaction.atomic():
        was_locked = bool(locked_usernames([username]))
        cleared = AxesProxyHandler.reset_attempts(username=username)
        audit_record(by=by, action=AuditEntry.Action.LOGIN_UNLOCKED, on=on or clock.today(),
                     company=cardmember.company, details={"cardmember_id": cardmember.pk, "username": username,
                                                          "was_locked": was_locked, "records_cleared": cleared})
    return cleared
