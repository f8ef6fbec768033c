"""The English catalogue is complete and compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_no_entry_is_untranslated_or_fuzzy(flag):
    msgattrib = shutil.which("msgattrib")
    assert msgattrib, "GNU gettext (msgattrib) is needed to check the catalogue"
    out = subprocess.run([msgattrib, flag, "--no-obsolete", str(PO)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"entries left {flag}:\n{out.stdout[:2000]}"


def test_the_compiled_catalogue_is_current():
    # A string added late in the catalogue must already be in the compiled .mo.
    with translation.override("en"):
        assert translation.gettext("待下发的整改事项不能关联问责。").startswith("A prepared ledger item")
        assert translation.gettext("整改台账") != "整改台账"
