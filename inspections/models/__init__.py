from inspections.models.circulars import Circular
from inspections.models.findings import (
    FINDING_TRANSITIONS,
    Campaign,
    Evidence,
    Finding,
    ProblemCategory,
    Visit,
)
from inspections.models.jobs import ExportJob
from inspections.models.registry import Department, Region, ServiceHall, Staff, Window
from inspections.models.users import REGION_SCOPED_ROLES, AppUserManager, Role, User

__all__ = [
    "FINDING_TRANSITIONS", "REGION_SCOPED_ROLES", "AppUserManager", "Campaign", "Circular", "Department",
    "Evidence", "ExportJob", "Finding", "ProblemCategory", "Region", "Role", "ServiceHall", "Staff", "User",
    "Visit", "Window",
]
