import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import Region
from tests.factories import RegionFactory, WindowFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
class TestRegionTree:
    def test_path_and_full_name_follow_the_parent_chain(self, regions):
        county = regions["county_a"]
        assert county.path == "230000/230800/230828/"
        assert county.full_name == "黑龙江省佳木斯市汤原县"

    def test_renaming_a_city_updates_its_counties(self, regions):
        city = regions["city_a"]
        city.name = "佳木斯"
        city.save()
        regions["county_a"].refresh_from_db()
        assert regions["county_a"].full_name == "黑龙江省佳木斯汤原县"

    def test_code_length_must_match_the_level(self, regions):
        with pytest.raises(IntegrityError), transaction.atomic():
            Region.objects.create(code="2308281", name="坏代码", level="county", parent=regions["city_a"])
        RegionFactory(code="230828100000", name="汤原镇", level="township", parent=regions["county_a"])

    def test_code_length_error_is_chinese_in_validation(self, regions):
        region = Region(code="23082", name="坏代码", level="county", parent=regions["city_a"])
        with pytest.raises(ValidationError, match="区划代码应为 6 位数字"):
            region.full_clean()

    def test_below_province_a_parent_is_required(self, db):
        with pytest.raises(IntegrityError), transaction.atomic():
            Region.objects.create(code="230800", name="佳木斯市", level="city")

    def test_parent_must_be_of_a_higher_level(self, regions):
        region = Region(code="230899", name="错层", level="city", parent=regions["county_a"])
        with pytest.raises(ValidationError, match="层级必须高于"):
            region.full_clean()

    def test_a_region_cannot_move_under_its_own_subtree(self, regions):
        city = regions["city_a"]
        city.parent = regions["county_a"]
        with pytest.raises(ValidationError):
            city.full_clean()


@pytest.mark.django_db
def test_window_label_defaults_to_the_number(own_hall):
    window = WindowFactory(hall=own_hall, number=7, label="")
    assert str(window.display_label) == "7号窗口"


def test_whitenoise_serves_collected_static_files_in_production(tmp_path):
    """With DEBUG off the stylesheet is served from STATIC_ROOT, hashed and compressed."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    environment.update(
        DEBUG="0", SECRET_KEY="s" * 60, ALLOWED_HOSTS="testserver", STATIC_ROOT=str(tmp_path),
        SECURE_SSL_REDIRECT="0", DJANGO_SETTINGS_MODULE="config.settings",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=environment, check=True, timeout=120,
    )
    script = (
        "import django; django.setup();"
        "from django.test import Client; from django.templatetags.static import static;"
        "url = static('css/app.css'); r = Client().get(url);"
        "print(url, r.status_code, r.headers.get('Cache-Control', ''))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120,
    )
    url, status, *cache = result.stdout.split()
    assert status == "200", result.stderr
    assert url.startswith("/static/css/app.") and url != "/static/css/app.css"  # hashed name
    assert "max-age" in " ".join(cache)
