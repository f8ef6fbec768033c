from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("组织与用户")

    def ready(self):
        from registry import identity  # noqa: F401  (the sign-in and sign-out receivers)
