from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CircularsConfig(AppConfig):
    name = "circulars"
    verbose_name = _("通报")

    def ready(self):
        from circulars import hooks  # noqa: F401  what this app adds to the apps below it
