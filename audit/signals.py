"""Sign-ins, failed sign-ins and sign-outs, from Django's own signals."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.log import record
from audit.models import Event, Result


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(Event.LOGIN, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The name as typed, whether or not such an account exists (the log says, the screen doesn't).
    record(Event.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150], request=request,
           result=Result.FAILURE)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Event.LOGOUT, user=user, request=request)
