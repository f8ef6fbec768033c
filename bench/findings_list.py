"""Server time of the findings list, measured in-process through Django's test client.

    .venv/bin/python -m bench.findings_list [--repeat 20] [--only abcde] [--show-sql] [--explain]

Runs against whatever the database holds (fill it first with
``bench.fill_findings``), signed in as the bench province's discipline
office (作风办, ``bench_office``), which sees every finding in the province but
other people's drafts. Each scenario is requested once to warm up, then
``--repeat`` times for the timings, then once more under
``CaptureQueriesContext`` to count the SQL queries and check that none of them
counts the whole finding table: the list's pagination counts a capped slice
(``SELECT COUNT(*) FROM (SELECT … LIMIT 10001)``), never everything.
"""

import argparse
import datetime
import math
import re
import statistics
import sys
import time
from contextlib import contextmanager

from bench.common import BENCH_PROVINCE_CODE, bench_office, setup_django

TARGET_MS = 150  # median, on PostgreSQL
DEEP_PAGE = 200
SEARCH_TERM = "离岗"
CATEGORY_CLASS = "C"  # 工作纪律, the commonest class


def scenarios(province) -> list[dict]:
    """The five requests, with parameters taken from the bench data."""
    from django.utils import timezone

    from inspections.models import ProblemCategory
    from registry.models import ServiceHall

    category = ProblemCategory.objects.get(code=CATEGORY_CLASS, parent__isnull=True)
    halls = ServiceHall.objects.filter(region__path__startswith=province.path).order_by("id")
    hall = halls.filter(kind=ServiceHall.Kind.GOVERNMENT_CENTRE).first() or halls.first()
    if hall is None:
        raise RuntimeError("The bench province has no halls: run `python -m bench.fill_findings` first.")
    # The same quarter a year ago: what an office compares this quarter with.
    today = timezone.localdate()
    date_from, date_to = today - datetime.timedelta(days=365), today - datetime.timedelta(days=275)
    return [
        {"key": "a", "name": "first page, unfiltered", "params": {}},
        {"key": "b", "name": f"deep page (page={DEEP_PAGE})", "params": {"page": DEEP_PAGE}},
        {"key": "c", "name": f"class {CATEGORY_CLASS} + {date_from:%Y-%m-%d}…{date_to:%Y-%m-%d}",
         "params": {"category": category.pk, "date_from": date_from.isoformat(),
                    "date_to": date_to.isoformat()}},
        {"key": "d", "name": f"text search q={SEARCH_TERM}", "params": {"q": SEARCH_TERM}},
        {"key": "e", "name": f"one hall (id {hall.pk})", "params": {"hall": hall.pk}},
    ]


def unbounded_counts(queries: list[dict]) -> list[str]:
    """Captured SQL that counts findings without a LIMIT: a COUNT(*) over the whole (scoped) table."""
    found = []
    for query in queries:
        sql = query["sql"]
        lowered = sql.lower()
        if "count(" in lowered and "inspections_finding" in lowered and not re.search(r"\blimit\s+\d+", lowered):
            found.append(sql)
    return found


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@contextmanager
def _servable():
    """Let the test client in even when the settings were made for a real host.

    "testserver" must be an allowed host, and with DEBUG off the manifest
    static storage needs ``collectstatic``; without a manifest the plain
    static storage stands in (static URLs are not what is measured here).
    """
    from django.conf import settings
    from django.test.utils import override_settings

    changes = {}
    if not {"*", "testserver"} & set(settings.ALLOWED_HOSTS):
        changes["ALLOWED_HOSTS"] = [*settings.ALLOWED_HOSTS, "testserver"]
    if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]:
        from django.contrib.staticfiles.storage import staticfiles_storage

        if not staticfiles_storage.exists(staticfiles_storage.manifest_name):
            changes["STORAGES"] = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
    with override_settings(**changes):
        yield


def run(repeat: int = 20, only: str = "") -> list[dict]:
    """Time each scenario (or those whose keys are in ``only``); one dict per scenario, times in ms.

    ``median_ms``/``p95_ms`` are wall-clock server times; ``cpu_ms`` is the
    median CPU time of this process per request (Python: view, ORM, template),
    which a busy machine inflates far less than the wall clock.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from registry.models import Region

    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    province = Region.objects.filter(code=BENCH_PROVINCE_CODE).first()
    if province is None:
        raise RuntimeError("No bench province: run `python -m bench.fill_findings` first.")
    office = bench_office(province)
    url = reverse("finding_list")
    results = []
    with _servable():
        client = Client()
        client.force_login(office)
        for scenario in scenarios(province):
            if only and scenario["key"] not in only:
                continue
            params = scenario["params"]

            def get(params=params):
                response = client.get(url, params, secure=True)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}?{params} answered {response.status_code}")
                return response

            get()  # warm-up
            times, cpu = [], []
            for _i in range(repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                get()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = get()
            queries = captured.captured_queries
            slowest = max(queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
            results.append({
                **scenario,
                "vendor": connection.vendor,
                "repeat": repeat,
                "times_ms": times,
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "cpu_ms": statistics.median(cpu),
                "queries": len(queries),
                "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                "slowest_sql": slowest["sql"],
                "slowest_sql_ms": float(slowest["time"]) * 1000,
                "rows": response.content.decode().count('class="tag status-'),
                "unbounded_counts": unbounded_counts(queries),
            })
    return results


def explain(sql: str) -> str:
    """The plan of one captured query: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, the query plan on SQLite."""
    from django.db import connection

    if sql.startswith("DECLARE "):  # a server-side cursor for a <select>'s options
        sql = sql.split(" FOR ", 1)[1]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)  # no parameters: the captured SQL has its values in it
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def report(results: list[dict], *, show_sql: bool = False, show_plans: bool = False) -> bool:
    """Print the table; True when no request counted the whole finding table."""
    if not results:
        return True
    vendor = results[0]["vendor"]
    print(f"Findings list, {results[0]['repeat']} timed requests per scenario after one warm-up, on {vendor}:")
    print()
    header = (f"{'scenario':<40} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'queries':>7} {'SQL ms':>7} "
              f"{'rows':>5}  target")
    print(header)
    print("-" * len(header))
    for r in results:
        if vendor == "postgresql":
            verdict = "meets" if r["median_ms"] < TARGET_MS else "MISSES"
        else:
            verdict = "n/a (target is for PostgreSQL)"
        print(f"{r['key']}) {r['name']:<37} {r['median_ms']:>9.1f} {r['p95_ms']:>8.1f} {r['cpu_ms']:>7.1f} "
              f"{r['queries']:>7} {r['sql_ms']:>7.1f} {r['rows']:>5}  {verdict}")
    print()
    print(f"Target: < {TARGET_MS} ms median on PostgreSQL. CPU ms: median CPU time of the Django process "
          "per request. SQL ms: time in SQL on the query-counting request.")
    if show_sql or show_plans:
        for r in results:
            print(f"\n{r['key']}) slowest query, {r['slowest_sql_ms']:.1f} ms:\n{r['slowest_sql']}")
            if show_plans:
                print(explain(r["slowest_sql"]))
    unbounded = [(r["key"], sql) for r in results for sql in r["unbounded_counts"]]
    if unbounded:
        print("\nFAIL: unbounded COUNT(*) over the finding table:")
        for key, sql in unbounded:
            print(f"  {key}) {sql}")
        return False
    print("OK: no request ran an unbounded COUNT(*) over the finding table "
          "(the page counts a slice capped with LIMIT).")
    return True


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per scenario (default 20)")
    parser.add_argument("--only", default="", help="run only these scenarios, e.g. --only cd")
    parser.add_argument("--show-sql", action="store_true", help="print each scenario's slowest query")
    parser.add_argument("--explain", action="store_true",
                        help="also print its plan (EXPLAIN ANALYZE on PostgreSQL)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    setup_django(for_client=True)
    results = run(args.repeat, args.only)
    if not report(results, show_sql=args.show_sql, show_plans=args.explain):
        sys.exit(1)


if __name__ == "__main__":
    main()
