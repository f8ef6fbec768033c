"""Signing in and staying signed in, as a level-3 assessment (等保2.0 三级) asks.

- **Lockout** is django-axes' (settings ``LOGIN_FAILURE_LIMIT`` failures, ``LOGIN_LOCKOUT_MINUTES``
  minutes, per account and per address): ``locked_out`` answers with the login page and one
  message that says nothing of whether the account exists; ``lift_lockout`` is the security
  (or system) administrator's unlock, and a discipline office's for its region's accounts.
- **Sessions** end after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_ABSOLUTE_HOURS``
  after signing in, whatever happens in between, and when the browser closes. Each sign-in gets
  a new session key (Django's ``login``) and is remembered (``SignedInSession``), so that
  ``end_sessions`` ends every session of a user at logout, a password change and deactivation.
- **Passwords** are chosen by their holder: one set by someone else (a new account, a reset)
  or older than ``PASSWORD_MAX_AGE_DAYS`` must be changed before anything else; the rules of
  a good one are ``AUTH_PASSWORD_VALIDATORS`` (registry.passwords).
"""

import datetime

from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import Event, Result
from core.permissions import require
from registry import two_factor
from registry.models import SignedInSession, User
from registry.scope import lockouts_visible_to

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# The last request's time is written at most this often (a session save per request otherwise).
SEEN_RESOLUTION = datetime.timedelta(seconds=60)


def _session_store(key: str) -> SessionBase:
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")(key)


@receiver(user_logged_in, dispatch_uid="identity_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now()
    request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = now.timestamp()
    if request.session.session_key is None:
        request.session.save()
    SignedInSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user, "signed_in_at": now},
    )
    two_factor.note_sign_in(request, user)


@receiver(user_logged_out, dispatch_uid="identity_signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        end_sessions(user)


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session ``user`` signed in with (but ``keep``, the one making the request)."""
    ended = 0
    for row in SignedInSession.objects.filter(user=user).exclude(session_key=keep or ""):
        _session_store(row.session_key).delete()
        row.delete()
        ended += 1
    return ended


# --- Passwords ----------------------------------------------------------------------------------

def password_must_change(user) -> str:
    """Why the user must choose a new password before anything else ("" when they needn't)."""
    if not user.has_usable_password():
        return ""  # signs in by no password at all (the bench scripts' accounts)
    changed = user.password_changed_at
    if changed is None:
        return _("请先设置您自己的新密码：当前密码是由他人设置的。")
    if timezone.now() - changed > datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS):
        return _("密码已使用超过 %(days)d 天，请修改密码后继续。") % {"days": settings.PASSWORD_MAX_AGE_DAYS}
    return ""


def password_chosen(request, user: User):
    """The holder chose a new password: it is fresh, and every other session of theirs ends."""
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password_changed_at"])
    end_sessions(user, keep=request.session.session_key)
    record(Event.PASSWORD_CHANGED, user=user, request=request)


def password_set_by_other(actor, user: User):
    """Someone else set the password (the security administrator's reset): the holder chooses
    their own at the next sign-in, and the sessions signed in with the old one end."""
    user.password_changed_at = None
    user.save(update_fields=["password_changed_at"])
    end_sessions(user)
    record(Event.PASSWORD_SET, user=actor, obj=user)


# --- Lockout ------------------------------------------------------------------------------------

def lockout_message() -> str:
    return _("登录失败次数过多，已暂停登录 %(minutes)d 分钟。请稍后再试，或联系安全管理员解除锁定。") % {
        "minutes": settings.LOGIN_LOCKOUT_MINUTES}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked account or address: the login page, saying so — the same
    words whether or not the account exists."""
    from registry.forms import LoginForm  # the forms stand on the services, which end sessions here

    form = LoginForm(request, data=None)
    return render(request, "registration/login.html", {"form": form, "locked": lockout_message()}, status=429)


@receiver(user_locked_out, dispatch_uid="identity_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(Event.LOCKED_OUT, username=str(username or "")[:150], request=request, result=Result.REFUSED,
           limit=settings.AXES_FAILURE_LIMIT, minutes=settings.LOGIN_LOCKOUT_MINUTES)


def lift_lockout(actor, *, username: str = "", address: str = "") -> int:
    """Lift the lockout of an account or an address; 0 when there is none that ``actor``
    oversees (registry.scope.lockouts_visible_to), which says nothing of whether it exists."""
    from axes.models import AccessAttempt

    if address:
        require(actor, "lockout.lift_address")
    if username and not lockouts_visible_to(actor, AccessAttempt.objects.filter(username=username)).exists():
        return 0
    removed = reset(username=username or None, ip=address or None)
    record(Event.UNLOCKED, user=actor, object_type="account" if username else "address",
           username_unlocked=username, address_unlocked=address, attempts=removed)
    return removed


# --- The middleware -----------------------------------------------------------------------------

# What a user who must first change their password may still reach; and, before that, what one
# who has still to pass the second factor may.
OPEN_PATHS = ("/accounts/", "/i18n/", "/static/")
BEFORE_SECOND_FACTOR = ("/accounts/two-factor/", "/accounts/login/", "/accounts/logout/", "/i18n/", "/static/")


class SessionRules:
    """Idle and absolute expiry, the second factor, and the password that must change first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._expired(request)
            if ended:
                return ended
            if not request.path.startswith(BEFORE_SECOND_FACTOR) and two_factor.due(request):
                step = "two_factor_verify" if request.session.get(two_factor.ENROLLED) else "two_factor"
                return _send(request, reverse(step), back=True)
            reason = password_must_change(user)
            if reason and not request.path.startswith(OPEN_PATHS):
                if not request.headers.get("HX-Request"):
                    messages.warning(request, reason)
                return _send(request, reverse("password_change"))
        return self.get_response(request)

    def _expired(self, request):
        session = request.session
        now = timezone.now().timestamp()
        signed_in = session.get(SIGNED_IN_AT, now)
        seen = session.get(SEEN_AT, now)
        why = ""
        if now - signed_in > settings.SESSION_ABSOLUTE_HOURS * 3600:
            why = "absolute"
        elif now - seen > settings.SESSION_IDLE_MINUTES * 60:
            why = "idle"
        if not why:
            if now - seen > SEEN_RESOLUTION.total_seconds() or SEEN_AT not in session:
                session[SEEN_AT] = now
            return None
        user = request.user
        record(Event.SESSION_EXPIRED, user=user, request=request, result=Result.FAILURE, reason=why)
        logout(request)
        messages.info(request, _("您已较长时间未操作，请重新登录。") if why == "idle"
                      else _("登录已超过 %(hours)d 小时，请重新登录。") % {"hours": settings.SESSION_ABSOLUTE_HOURS})
        login = reverse(settings.LOGIN_URL)
        return _send(request, login, back=True)


def _send(request, url: str, *, back=False):
    """A redirect (``back``: returning here afterwards), or for an htmx request the whole page's
    (htmx would swap the page into its target; and a fragment's URL is no place to return to)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}" if back else url)
