from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("督查")

    def ready(self):
        from inspections import hooks  # noqa: F401  what this app adds to the apps below it
