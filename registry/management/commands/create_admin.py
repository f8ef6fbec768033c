"""The administrators' accounts are made here, on the server, never in the app (access.policy).

    manage.py create_admin sun --role sysadmin [--name 孙伟] [--password …]

Without --password the password is asked for twice. The password rules of the settings apply.
"""

import getpass

import rules
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit.log import record
from audit.models import Event
from registry.models import ROLES, Role, User

ADMIN_ROLES = [role for role in Role if ROLES[role].administrator]


class Command(BaseCommand):
    help = "Create (or update) a system or security administrator's account."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in ADMIN_ROLES])
        parser.add_argument("--name", default="", help="display name (姓名)")
        parser.add_argument("--password", help="for scripts; otherwise asked for")

    def handle(self, *args, username, role, name, password=None, **options):
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if not created and not rules.test_rule("account.may_take_role", user, role):  # access.policy
                # 三员分立: each administrator is an account of its own, never one account turned
                # into another role (and so holding what both did).
                raise CommandError(
                    f"{username} is already {Role(user.role).label}: each administrator role needs an account of its own."
                )
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.role, user.is_staff, user.is_active = role, True, True
            user.display_name = name or user.display_name
            user.set_password(password)
            user.password_changed_at = timezone.now()  # typed by its holder, on the server
            user.save()
            record(Event.ACCOUNT_CREATED if created else Event.PASSWORD_SET, obj=user, role=role, command=True)
        self.stdout.write(f"{'Created' if created else 'Updated'} {username} ({Role(role).label}).")
