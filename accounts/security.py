"""Login security (issue #8 items 3 and 5, issue 15 items 1 and 2): who must pass a second factor, the
per-user lock on wrong codes, TOTP enrolment through a one-time emailed link with recovery codes, and
the PA's "portal password unlock" of a cardmember whose login django-axes has locked.

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
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import AuditEntry, Cardmember, Company, ProgrammeAdministrator
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

NO_LOGIN = "Cardmember {cardmember} has no portal login."
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODES = 10
ENROLMENT_SUBJECT = gettext_lazy("Set up your two-factor login")
ENROLMENT_BODY = gettext_lazy(
    "Hello,\n\nthe login %(username)s was just used with its password. To set up two-factor login, open "
    "this link in the browser you logged in with (it works once, for %(days)d days):\n\n%(link)s\n\n"
    "If this was not you, do not open the link: change your password and tell your card issuer.")
DEVICE_CONFIRMED_SUBJECT = gettext_lazy("An authenticator app was set up for your login")
DEVICE_CONFIRMED_BODY = gettext_lazy(
    "Hello,\n\nan authenticator app was just set up for two-factor login as %(username)s. If this was not "
    "you, tell your card issuer at once.")
# The lock doubles with every wrong code past the limit; 2**20 lock periods are decades already.
MAX_LOCK_DOUBLINGS = 20


def otp_required_for(user) -> bool:
    """PAs and ops must verify a TOTP code after their password; cardmembers need not."""
    if not getattr(settings, "OTP_REQUIRED_FOR_PAS", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or ProgrammeAdministrator.objects.filter(user_id=user.pk).exists()


def privileged_login(user) -> bool:
    """PAs and ops (staff): the logins whose sessions are limited (SPEC section 17), whether or not the
    second factor is switched on."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or ProgrammeAdministrator.objects.filter(user_id=user.pk).exists()


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


class EnrolmentTokenGenerator(PasswordResetTokenGenerator):
    """One-time set-up links for two-factor login (SPEC section 17, issue 15 item 2). Like a password
    reset link, the token expires after PASSWORD_RESET_TIMEOUT and dies with a password change; it also
    dies as soon as it is used, because opening it creates a device, and the user's devices are part of
    the hash."""

    key_salt = "amexprog.accounts.security.EnrolmentTokenGenerator"

    def _make_hash_value(self, user, timestamp) -> str:
        devices = ",".join(str(pk) for pk in TOTPDevice.objects.filter(user=user).order_by("pk")
                           .values_list("pk", flat=True))
        return f"{user.pk}{user.password}{timestamp}{devices}"


enrolment_tokens = EnrolmentTokenGenerator()


def _user_language(user) -> str:
    pa = ProgrammeAdministrator.objects.filter(user_id=user.pk).only("language").first()
    return pa.language if pa is not None else settings.LANGUAGE_CODE


def totp_enrolment_link(user) -> str:
    """The absolute one-time link that starts the set-up of the user's authenticator app."""
    from django.urls import reverse

    path = reverse("portal:otp_enrol", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                              enrolment_tokens.make_token(user)])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def totp_enrolment_link_send(*, user) -> bool:
    """Email the user a one-time set-up link (SPEC section 17, issue 15 item 2): enrolment needs the
    password and the mailbox, not the password alone. False when the user has no email address."""
    if not user.email:
        return False
    with translation.override(_user_language(user)):
        subject = str(ENROLMENT_SUBJECT)
        body = str(ENROLMENT_BODY) % {"username": user.get_username(), "link": totp_enrolment_link(user),
                                      "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    send_mail(subject, body, None, [user.email])
    return True


def totp_enrolment_link_check(*, user, uidb64: str, token: str) -> bool:
    """True when the link was made for this user and is unused and unexpired."""
    try:
        uid = urlsafe_base64_decode(uidb64).decode()
    except (TypeError, ValueError, UnicodeDecodeError):
        return False
    return str(user.pk) == uid and enrolment_tokens.check_token(user, token)


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """A fresh unconfirmed device with a new secret for each set-up (issue 15 item 2): earlier
    unconfirmed devices and their secrets are dropped, and the link that led here is used up."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(device: TOTPDevice) -> list[str]:
    """A first correct code confirms the device; any other authenticator of the user is dropped. The
    user gets fresh recovery codes (returned, to be shown once: django-otp keeps them for checking) and
    an email that a device was set up (issue 15 item 2)."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_create(user=device.user)
    user = device.user
    if user.email:
        with translation.override(_user_language(user)):
            subject = str(DEVICE_CONFIRMED_SUBJECT)
            body = str(DEVICE_CONFIRMED_BODY) % {"username": user.get_username()}
        transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    return codes


def recovery_codes_create(*, user) -> list[str]:
    """RECOVERY_CODES single-use codes for a lost phone (django-otp's static device), replacing any
    earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


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
