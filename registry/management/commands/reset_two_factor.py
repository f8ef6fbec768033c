"""Reset an account's second factor on the server, for an administrator's lost phone (the
system administrator resets the others' on the 双因素认证 page).

    manage.py reset_two_factor USERNAME
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.log import record
from audit.models import Event
from registry.identity import end_sessions
from registry.models import User
from registry.two_factor import remove_devices


class Command(BaseCommand):
    help = "Remove an account's authenticator and recovery codes; the next sign-in enrols again."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username}.")
        with transaction.atomic():
            if not remove_devices(user):
                raise CommandError(f"{username} has no second factor to reset.")
            end_sessions(user)
            record(Event.OTP_RESET, obj=user, command=True)
        self.stdout.write(f"Reset {username}'s second factor: signed out everywhere; the next sign-in enrols again.")
