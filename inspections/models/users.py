"""Users: a role, and the region or halls the role is scoped to.

What a user may see is decided in one place, ``inspections.scope``.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inspections.models.registry import Region, ServiceHall


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("督查人员")
    HALL_MANAGER = "hall_manager", _("大厅负责人")
    OFFICE = "office", _("作风办")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")


# Roles whose scope is a region subtree (the others: hall managers by halls,
# system administrators by nothing — they keep the registry, not records).
REGION_SCOPED_ROLES = (Role.INSPECTOR, Role.OFFICE, Role.AUDITOR)


class AppUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser made from the command line keeps the registry and users;
        # like every system administrator it sees no business records.
        extra_fields.setdefault("role", Role.SYSADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.INSPECTOR)
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区划"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="users",
        help_text=_("督查人员、作风办和审计员可见本区划及其下级区划。"),
    )
    halls = models.ManyToManyField(
        ServiceHall, verbose_name=_("负责的大厅"), blank=True, related_name="managers",
        help_text=_("大厅负责人只能看到这里选中的大厅。"),
    )
    organisation = models.CharField(_("单位"), max_length=100, blank=True)

    objects = AppUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_region_required_for_region_roles",
                condition=~Q(role__in=REGION_SCOPED_ROLES) | Q(region__isnull=False),
                violation_error_message=_("督查人员、作风办和审计员必须指定管辖区划。"),
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role in REGION_SCOPED_ROLES and not self.region_id:
            raise ValidationError({"region": _("督查人员、作风办和审计员必须指定管辖区划。")})
