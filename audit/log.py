"""Writing the security event log: ``record(Event.EXPORTED, obj=circular, rows=120)``.

The request being served is remembered by ``audit.middleware.RequestContext`` (a context
variable), so a service deep below a view records who and from where without being handed the
request. Outside a request (management commands, the background worker) the caller names the
user, and the address is empty.
"""

import contextvars
import logging

from django.conf import settings
from django.utils import timezone

from audit.models import Event, Result, SecurityEvent

logger = logging.getLogger("audit")

_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


def client_address(request) -> str | None:
    """The address a request came from: the peer's, or — behind the reverse proxy the
    deployment declares (``TRUSTED_PROXIES``) — the last address that proxy saw."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and address in settings.TRUSTED_PROXIES:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        address = hops[-1] if hops else address
    return address


def current_request():
    return _request.get()


def remember_request(request):
    return _request.set(request)


def forget_request(token):
    _request.reset(token)


def _signed_in(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record(event: Event, *, user=None, username: str = "", obj=None, object_type: str = "",
           result: Result = Result.SUCCESS, request=None, **detail) -> SecurityEvent:
    """Write one event. ``obj`` names the object (its model, pk and text); ``detail`` is what
    else says what happened (a filter, a row count, a path) and must be JSON."""
    request = request if request is not None else current_request()
    if user is None and request is not None:
        user = _signed_in(getattr(request, "user", None))
    user = _signed_in(user)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
    entry = SecurityEvent(
        at=timezone.now(),
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        address=client_address(request),
        event=event,
        object_type=object_type,
        object_id="" if obj is None else str(obj.pk),
        object_repr="" if obj is None else str(obj)[:200],
        result=result,
        detail=detail,
    )
    entry.save()
    # One line per event in the forwarded log: a typed username cannot start a forged line.
    logger.info("%s %s %s %s %s", entry.event, _one_line(entry.username), entry.address, entry.object_type,
                entry.result)
    return entry


def _one_line(text: str) -> str:
    """Control characters (a line break above all) written as escapes, the rest as it is."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
