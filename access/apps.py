from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("权限")

    def ready(self):
        from access import hooks, policy  # noqa: F401  (hooks: what this app adds to those below)

        policy.register()
