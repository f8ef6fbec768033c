from inspections.models.registry import Department, Region, ServiceHall, Staff, Window
from inspections.models.users import REGION_SCOPED_ROLES, AppUserManager, Role, User

__all__ = [
    "REGION_SCOPED_ROLES", "AppUserManager", "Department", "Region", "Role", "ServiceHall", "Staff", "User", "Window",
]
