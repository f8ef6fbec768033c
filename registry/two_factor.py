"""Two-factor sign-in (双因素认证), on django-otp: a TOTP authenticator app and recovery codes.

- **Who.** Required for the roles whose ``RoleSpec.two_factor`` is set (the discipline office and
  the three administrators); optional for everyone else, and once a user has enrolled, asked of
  them too at every sign-in. ``SessionRules`` (registry.identity) sends a signed-in user who has
  not passed it to ``verify`` (enrolled) or ``enrol`` (not yet) before any other page.
- **Enrolment.** The secret is drawn into the session, shown as a QR code drawn on the server
  (``qr_svg``, no outside service) and as text, and becomes a device only when the user types a
  code it produced; recovery codes (``TWO_FACTOR_RECOVERY_CODES``) are shown once then and
  stored only as a keyed digest (``recovery_digest``): a copy of the database gives none of them.
  Rotating SECRET_KEY voids them (the users renew theirs, or an administrator resets).
- **Lost device.** The system administrator removes the user's devices (``reset``); their
  sessions end and the next sign-in enrols again. Not the security administrator: they set
  passwords, and the two together would let one administrator take over an account alone.
  An administrator's own device is reset on the server (``manage.py reset_two_factor``).
  Every two-factor event is logged (audit.Event.OTP_*).
"""

import base64
import io
import time
from binascii import unhexlify

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from audit.log import record
from audit.models import Event, Result
from registry.models import User, role_spec

PENDING_KEY = "_two_factor_pending_key"
# Set at sign-in when the user has a device (one query then, none per request after).
ENROLLED = "_two_factor_enrolled"
AUTHENTICATOR = "身份验证器"
RECOVERY = "恢复码"


def required(user) -> bool:
    return role_spec(user).two_factor


def enrolled(user) -> bool:
    return any(devices_for_user(user, confirmed=True))


def due(request) -> bool:
    """This signed-in request has still to pass the second factor."""
    user = request.user
    if user.is_verified():
        return False
    return required(user) or bool(request.session.get(ENROLLED))


def note_sign_in(request, user):
    request.session[ENROLLED] = enrolled(user)


# --- Enrolment ----------------------------------------------------------------------------------

def pending_key(request) -> str:
    """The secret being enrolled, kept in the session until a code proves the app has it."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = default_key()
    return key


def secret_text(key: str) -> str:
    """The secret as an authenticator app takes it when typed (base32, in groups of four)."""
    text = base64.b32encode(unhexlify(key)).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _unsaved_device(user, key) -> TOTPDevice:
    return TOTPDevice(user=user, name=AUTHENTICATOR, key=key, confirmed=False)


def qr_svg(request) -> bytes:
    device = _unsaved_device(request.user, pending_key(request))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def enrol(request, code: str) -> list[str] | None:
    """The code typed from the app: the device is kept and the recovery codes returned (shown
    once), or ``None`` when the code does not match the secret."""
    user = request.user
    device = _unsaved_device(user, pending_key(request))
    if not _matches(device, _digits(code)):
        record(Event.OTP_FAILED, user=user, request=request, result=Result.FAILURE, step="enrol")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.last_t = TOTP(device.bin_key, device.step, device.t0, device.digits).t()  # used once
        device.save()
        codes = _new_recovery_codes(user)
    del request.session[PENDING_KEY]
    request.session[ENROLLED] = True
    django_otp.login(request, device)
    record(Event.OTP_ENROLLED, user=user, obj=user, request=request)
    return codes


def _matches(device: TOTPDevice, code: str) -> bool:
    """The code against a device not yet saved (its verify_token would save it, throttle and all)."""
    try:
        token = int(code)
    except ValueError:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp.verify(token, device.tolerance)


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: an HMAC under SECRET_KEY, 16 hex characters (the width of
    django-otp's token column), never the code. Case and spaces as typed do not matter."""
    return salted_hmac("registry.two_factor.recovery", "".join(code.split()).lower(),
                       algorithm="sha256").hexdigest()[:16]


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_digest(code)) for code in codes)
    return codes


@transaction.atomic
def renew_recovery_codes(request) -> list[str]:
    codes = _new_recovery_codes(request.user)
    record(Event.OTP_CODES_RENEWED, user=request.user, obj=request.user, request=request, codes=len(codes))
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- Signing in ---------------------------------------------------------------------------------

def _digits(code: str) -> str:
    return "".join(str(code or "").split())[:16]


def verify(request, code: str) -> bool:
    """A code from the app or a recovery code (each of those works once)."""
    user = request.user
    code = _digits(code)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(recovery_digest(code) if isinstance(device, StaticDevice) else code):
                break
        else:
            device = None
    if device is None:
        record(Event.OTP_FAILED, user=user, request=request, result=Result.FAILURE, step="sign_in")
        return False
    django_otp.login(request, device)
    if isinstance(device, StaticDevice):
        record(Event.OTP_RECOVERY_USED, user=user, request=request, left=recovery_codes_left(user))
    else:
        record(Event.OTP_VERIFIED, user=user, request=request)
    return True


# --- The security administrator's reset ---------------------------------------------------------

def enrolment_of(users) -> dict[int, bool]:
    """Which of ``users`` have an authenticator (one query)."""
    have = set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    return {user.pk: user.pk in have for user in users}


def remove_devices(user) -> int:
    return TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]


@transaction.atomic
def reset(actor, user: User) -> bool:
    """Remove ``user``'s devices (a lost phone): the next sign-in enrols again."""
    from registry.identity import end_sessions  # identity asks this module at every request

    if actor.pk == user.pk or not remove_devices(user):
        return False
    end_sessions(user)
    record(Event.OTP_RESET, user=actor, obj=user)
    return True
