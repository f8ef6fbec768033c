"""Settings read from the environment fail loudly; the deployment checks pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!k2@Qm7#pL4$wZ8^rT1&vB6*nY3(cF5)hJ0_gD-sA+eU=iO~lKa",
    "ALLOWED_HOSTS": "zuofeng.example.gov.cn",
    "DATABASE_URL": "postgres://zuofeng:secret@db.internal:5432/zuofeng",
}


def _run_manage(*args, env_overrides):
    # Only what the deployment would have: none of the test run's own variables.
    dropped = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env_overrides)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120,
    )


class TestEnvHelpers:
    def test_bool_reads_the_usual_spellings(self, monkeypatch):
        for raw, expected in (("1", True), ("yes", True), ("On", True), ("0", False), ("false", False)):
            monkeypatch.setenv("FLAG", raw)
            assert env.env_bool("FLAG", not expected) is expected

    def test_bool_refuses_anything_else(self, monkeypatch):
        monkeypatch.setenv("FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="FLAG"):
            env.env_bool("FLAG", False)

    def test_int_refuses_a_non_number(self, monkeypatch):
        monkeypatch.setenv("PAGE_SIZE", "fifty")
        with pytest.raises(ImproperlyConfigured, match="PAGE_SIZE"):
            env.env_int("PAGE_SIZE", 50)

    def test_required_string_is_required(self, monkeypatch):
        monkeypatch.delenv("SECRET_KEY", raising=False)
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
            env.env_str("SECRET_KEY")

    def test_path_must_be_absolute(self, monkeypatch):
        monkeypatch.setenv("MEDIA_ROOT", "relative/media")
        with pytest.raises(ImproperlyConfigured, match="MEDIA_ROOT"):
            env.env_path("MEDIA_ROOT", Path("/tmp"))

    def test_list_splits_on_commas(self, monkeypatch):
        monkeypatch.setenv("ALLOWED_HOSTS", "a.gov.cn, b.gov.cn,")
        assert env.env_list("ALLOWED_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


class TestStartUp:
    def test_production_without_a_secret_key_refuses_to_start(self):
        result = _run_manage("check", env_overrides={"DEBUG": "0"})
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr

    def test_a_bad_debug_value_refuses_to_start(self):
        result = _run_manage("check", env_overrides={"DEBUG": "perhaps"})
        assert result.returncode != 0
        assert "DEBUG" in result.stderr

    def test_an_unsupported_database_refuses_to_start(self):
        result = _run_manage(
            "check", env_overrides={"DEBUG": "1", "DATABASE_URL": "mysql://u:p@localhost/db"}
        )
        assert result.returncode != 0
        assert "DATABASE_URL" in result.stderr

    def test_check_deploy_passes_with_production_settings(self):
        result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_sqlite_file_under_var_is_the_default(self):
        result = _run_manage(
            "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
            env_overrides={"DEBUG": "1"},
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith("var/db.sqlite3")

    def test_database_url_selects_postgresql(self):
        result = _run_manage(
            "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
            env_overrides=PRODUCTION_ENV,
        )
        assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr

    @pytest.mark.parametrize("jit,expected", [(None, "{'options': '-c jit=off'}"), ("1", "{}")])
    def test_postgresql_connections_turn_jit_off_unless_asked(self, jit, expected):
        result = _run_manage(
            "shell", "--no-imports", "-c",
            "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))",
            env_overrides=PRODUCTION_ENV | ({"POSTGRES_JIT": jit} if jit else {}),
        )
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_language_and_time_settings(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert ("en", "English") in settings.LANGUAGES


def test_manage_py_with_no_configuration_runs_as_development():
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


def test_a_deployment_with_a_secret_key_is_not_put_in_debug_by_manage_py():
    result = _run_manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)",
                         env_overrides={"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "x"})
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.django_db
def test_a_database_from_before_the_new_migrations_is_refused_with_what_to_do():
    from django.core.management import CommandError, call_command
    from django.db import connection

    call_command("check_baseline")  # a database of today passes
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                       ["inspections", "0006_finding_search_upper_trigram", "2026-11-30 00:00:00"])
    with pytest.raises(CommandError, match="Make a new database"):
        call_command("check_baseline")
