"""The export and import benchmark, run small and in-process, so that it keeps working as the code changes."""

import pytest
from openpyxl import load_workbook

from bench import exports
from circulars.models import Circular
from core.exporting import HEADER_ROW
from inspections.models import Finding
from rectification.exports import L
from rectification.models import ProgressEntry, RectificationItem

ROWS = 48  # N/4 = 12


def _data_rows(path, header_row=HEADER_ROW) -> int:
    workbook = load_workbook(path, read_only=True)
    try:
        rows = workbook.worksheets[-1].iter_rows(min_row=header_row + 1, values_only=True)  # a circular: after its notice
        return sum(1 for row in rows if any(v not in (None, "") for v in row))
    finally:
        workbook.close()


@pytest.mark.django_db
def test_every_measurement_at_tiny_scale(tmp_path, capsys):
    outcome = exports.run(ROWS, halls=5, import_rows=20, isolate=False, out_dir=str(tmp_path), repeat=2,
                          verbose=False)

    # The data: N findings, one in-progress item with a deadline each, one published circular holding them.
    data = outcome["data"]
    circular = Circular.objects.get(pk=data["circular_id"])
    assert circular.status == "published" and circular.issuer_code == exports.ISSUER_CODE
    assert circular.findings.count() == ROWS
    items = RectificationItem.objects.filter(findings__circulars=circular)
    assert items.count() == ROWS
    assert not items.exclude(status="in_progress").exists()
    assert not items.filter(deadline__isnull=True).exists()

    expected = {"a": ROWS, "a/4": ROWS // 4, "b": ROWS, "c-a": ROWS, "c-b": ROWS, "e": ROWS}
    if exports.import_export_available():
        expected["d"] = ROWS
    by = {r["key"]: r for r in outcome["results"]}
    assert set(by) == set(expected)
    for key, rows in expected.items():
        result = by[key]
        assert result["seconds"] > 0 and result["peak_mb"] >= 0, key
        assert result["rows"] == rows, key
        # django-import-export writes a bare header row; ours a title, a subtitle, then the header.
        assert _data_rows(result["path"], 1 if key == "d" else HEADER_ROW) == rows, key

    # Each exporter and its writer-alone twin ran twice, back to back; the ratio is the median of the pairs'.
    for key, writer in exports.PAIRS:
        assert len(by[key]["runs"]) == len(by[writer]["runs"]) == 2
        assert len(outcome["ratios"][key]) == 2
    assert len(by["a/4"]["runs"]) == 1

    # The ledger and circular files open, with the layout's header.
    ledger = load_workbook(by["a"]["path"], read_only=True).worksheets[0]
    assert [c.value for c in next(ledger.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW))][:3] == [
        L.ID, L.NUMBER, L.CODE,
    ]
    sheet = load_workbook(by["b"]["path"], read_only=True).worksheets[0]
    assert circular.doc_number in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))[0]

    # The import changed every row of the edited ledger: 责任人 and a new progress entry.
    imported = outcome["import"]
    assert imported["seconds"] > 0 and imported["file_rows"] == imported["rows"] == imported["changes"] == 20
    assert imported["parse_seconds"] > 0 and imported["apply_seconds"] > 0
    assert items.filter(responsible_person__startswith="周立新").count() == 20
    assert ProgressEntry.objects.filter(item__in=items).count() == 20

    # A second run reuses the data and still finds something to change.
    again = exports.run(ROWS, halls=5, import_rows=20, isolate=False, out_dir=str(tmp_path), only=["a", "import"],
                        verbose=False)
    assert [r["key"] for r in again["results"]] == ["a"]
    assert again["import"]["rows"] == 20
    assert Finding.objects.count() == ROWS and RectificationItem.objects.count() == ROWS

    assert isinstance(exports.report(outcome), bool)
    out = capsys.readouterr().out
    assert "LedgerExporter" in out and "within 1.25×" in out and "import under 20 s" in out


def test_verdicts():
    def result(key, seconds, peak):
        return {"key": key, "seconds": seconds, "peak_mb": peak}

    outcome = {
        "results": [result("a", 12, 90), result("a/4", 3, 80), result("b", 10, 300), result("c-a", 10, 900),
                    result("c-b", 10, 800)],
        "import": {"seconds": 25.0},
    }
    checks = {target: ok for target, ok, _detail in exports.verdicts(outcome)}
    assert checks == {
        "(a) within 1.25× of the writer (c-a)": True,
        "(b) within 1.25× of the writer (c-b)": True,
        "(a) peak memory under 200 MB": True,
        "(b) peak memory under 200 MB": False,
        "(a) memory flat: N vs N/4 within 20 MB": True,
        "import under 20 s": False,
    }


def test_paired_runs_give_the_median_of_their_ratios():
    outcome = {
        "results": [{"key": "a", "seconds": 14, "peak_mb": 9}, {"key": "c-a", "seconds": 10, "peak_mb": 200}],
        "import": None,
        "ratios": {"a": [1.4, 1.1, 1.2]},  # each exporter run over the writer run beside it
    }
    checks = {target: (ok, detail) for target, ok, detail in exports.verdicts(outcome)}
    assert checks["(a) within 1.25× of the writer (c-a)"] == (True, "1.20×")
