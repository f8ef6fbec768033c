"""What both benchmark scripts share: Django start-up, the bench province and its users.

Everything the benchmarks create lives under one synthetic province, code
``990000``, which no real division (and no demo row) uses, so bench data never
mixes with demo or production-like data and can be told apart by region path.
"""

import os

BENCH_PROVINCE_CODE = "990000"
BENCH_PROVINCE_NAME = "基准测试省"

OFFICE_USERNAME = "bench_office"
INSPECTOR_USERNAME = "bench_inspector"
MANAGER_USERNAME = "bench_manager"


def setup_django(*, for_client: bool = False) -> None:
    """Start Django the way ``manage.py`` would, for a command-line run.

    Without a SECRET_KEY the settings refuse to start unless DEBUG is on, so
    the scripts turn DEBUG on in that case, like a development checkout.
    ``for_client`` also lets Django's test client in: it sends requests as
    host "testserver" over plain HTTP.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ["DEBUG"] = "1"
    if for_client:
        hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
        for host in ("testserver", "127.0.0.1", "localhost"):
            if host not in hosts:
                hosts.append(host)
        os.environ["ALLOWED_HOSTS"] = ",".join(hosts)
        os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

    import django

    django.setup()


def bench_province():
    """The bench province, created on first use (Region.save computes its path)."""
    from registry.models import Region

    province = Region.objects.filter(code=BENCH_PROVINCE_CODE).first()
    if province is None:
        province = Region(code=BENCH_PROVINCE_CODE, name=BENCH_PROVINCE_NAME, level=Region.Level.PROVINCE)
        province.save()
    return province


def bench_user(username: str, role: str, region=None, display_name: str = ""):
    """A bench account with no usable password: the scripts log in with force_login."""
    from registry.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, region=region, display_name=display_name)
        user.set_unusable_password()
        user.save()
    elif user.role != role or user.region_id != (region.pk if region else None):
        user.role, user.region = role, region
        user.save(update_fields=["role", "region"])
    return user


def bench_office(province=None):
    """The discipline-office (作风办) account scoped to the bench province."""
    return bench_user(OFFICE_USERNAME, "office", province or bench_province(), "基准测试作风办")


def bench_inspector(province=None):
    return bench_user(INSPECTOR_USERNAME, "inspector", province or bench_province(), "基准测试督查员")


def bench_manager():
    return bench_user(MANAGER_USERNAME, "hall_manager", None, "基准测试大厅负责人")


def ensure_taxonomy() -> None:
    """Load the problem taxonomy when it is missing (a flushed test database)."""
    import importlib

    from django.apps import apps

    from inspections.models import ProblemCategory

    if not ProblemCategory.objects.filter(parent__isnull=False).exists():
        importlib.import_module("inspections.migrations.0002_taxonomy").load(apps, None)
