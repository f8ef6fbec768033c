"""The office's dashboard (统计分析): where the problems are and who is late, over a region of
its own and a chosen period.

Each table is counted once, here, and shown three ways: a chart (static/js/dashboard.js draws
it with the vendored Apache ECharts), the table itself under it, whose numbers open the list they
count, and a sheet of the Excel export (``DashboardExporter``). The findings are counted through
the findings list's own filter with the very parameters the links carry, and the ledger's through
the ledger's, so a number and the list it opens cannot disagree; both start from the scoped
querysets, so the embargo and the region hold.

Counted: established findings (已认定: confirmed or published) observed in the period; ledger
items assigned in the period (not those still waiting for their circular).
"""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction

from django import forms
from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exporting import Column, Exporter, Sheet
from inspections.models import ProblemCategory
from inspections.scope import visits_visible_to
from inspections.selectors import finding_list
from rectification.calendar import is_workday
from rectification.models import WORKING_STATUSES, Accountability, RectificationItem
from rectification.selectors import accountability_list, ledger
from registry.models import Region, Staff, Window
from registry.scope import halls_visible_to, regions_visible_to

TOP_SUBCATEGORIES = 15
TOP_OVERDUE_HALLS = 10
REPEAT_WITHIN_DAYS = 90
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
MAX_PERIOD_DAYS = 5 * 365
RANKING_ROWS = 20  # on the page; the export holds every hall
CHART_BARS = 20


class DashboardForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("从"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("至"), widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=gettext_lazy("地区"), queryset=Region.objects.none(), required=False,
                                    empty_label=gettext_lazy("本辖区"))

    def __init__(self, data, *, user):
        today = timezone.localdate()
        defaults = {"date_from": today.replace(month=1, day=1).isoformat(), "date_to": today.isoformat()}
        super().__init__({**defaults, **{k: v for k, v in (data or {}).items() if v}})
        self.fields["region"].queryset = regions_visible_to(user).exclude(level=Region.Level.TOWNSHIP).order_by(
            "path")
        self.user = user

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and not (EARLIEST <= day <= LATEST):
                self.add_error(name, _("日期须在 %(start)s 至 %(end)s 之间。") % {"start": EARLIEST, "end": LATEST})
                return cleaned
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("date_to", _("统计期间最长 %(years)s 年。") % {"years": MAX_PERIOD_DAYS // 365})
        return cleaned

    @property
    def region_chosen(self) -> Region | None:
        return self.cleaned_data.get("region") or (self.user.region if self.user.region_id else None)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[list] = field(default_factory=list)  # parallel to rows: the URL behind each cell, or None
    method: str = ""  # how it is counted, said under the table
    chart: str = "bar"  # bar or line: the labels of one column against the numbers of another
    label_at: int = 0
    value_at: int = 1

    def add(self, row, links):
        self.rows.append(row)
        self.links.append(links)

    @property
    def cells(self):
        """(text as shown, URL or None) for each cell of each row."""
        return [[(_shown(value, column), url) for value, url, column in zip(row, links, self.columns, strict=True)]
                for row, links in zip(self.rows, self.links, strict=True)]

    @property
    def has_chart(self) -> bool:
        return bool(self.chart) and any(row[self.value_at] is not None for row in self.rows)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def chart_data(self) -> dict:
        rows = [row for row in self.rows if row[self.value_at] is not None]
        if self.chart == "bar":  # the longest bars; a trend keeps every month
            rows = rows[:CHART_BARS]
        return {"type": self.chart, "name": self.columns[self.value_at].title,
                "labels": [str(row[self.label_at]) for row in rows], "values": [row[self.value_at] for row in rows]}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def working_days_between(spans: list[tuple[datetime.date, datetime.date]]) -> list[int]:
    """For each (start, end), the working days after ``start`` up to and including ``end`` (as a
    deadline counts them); the calendar is read once for the whole range, not once a span."""
    if not spans:
        return []
    first = min(start for start, _end in spans)
    last = max(end for _start, end in spans)
    counted, running, day = {}, 0, first
    while day <= last:
        running += is_workday(day) and day != first
        counted[day] = running
        day += datetime.timedelta(days=1)
    return [max(counted[end] - counted[start], 0) for start, end in spans]


def _ranking(key: str, title: str, unit_label: str, units: list, limit: int | None) -> Table:
    """Rank ``units`` — (name, visits, findings, windows, URL of the findings) — by findings per
    visit, highest first; equal rates share a rank; fewer visits than RANKING_MIN_VISITS is
    样本不足, not a rank. Only ratios are compared, so doubling every count changes no rank."""
    minimum = settings.RANKING_MIN_VISITS
    table = Table(key, title, [
        Column(_("排名"), 8), Column(unit_label, 28), Column(_("走访次数"), 10, "int"), Column(_("问题数"), 10, "int"),
        Column(_("每次走访问题数"), 14, "number"), Column(_("在用窗口"), 10, "int"), Column(_("每窗口问题数"), 14, "number"),
    ], method=_("按每次走访发现的已认定问题数从高到低排名（并列同名次），每窗口问题数供参考；所选期间走访少于 "
                "%(n)s 次的样本不足，不排名。只计走访中发现的问题。") % {"n": minimum}, label_at=1, value_at=4)
    # Exact ratios (Fraction) decide the order and the ties; two decimals are only what is shown.
    rows = [(name, visited, found, windows, url, Fraction(found, visited),
             round(found / windows, 2) if windows else None) for name, visited, found, windows, url in units]
    ranked = sorted((r for r in rows if r[1] >= minimum), key=lambda r: (-r[5], r[0]))
    rank, previous = 0, None
    for position, (name, visited, found, windows, url, per_visit, per_window) in enumerate(ranked, start=1):
        if per_visit != previous:
            rank, previous = position, per_visit
        table.add([rank, name, visited, found, round(float(per_visit), 2), windows, per_window],
                  [None, None, None, url, None, None, None])
    for name, visited, found, windows, url, _per_visit, _per_window in sorted(
            (r for r in rows if r[1] < minimum), key=lambda r: r[0]):
        table.add([_("样本不足"), name, visited, found, None, windows, None], [None, None, None, url, None, None, None])
    if limit is not None:
        table.rows, table.links = table.rows[:limit], table.links[:limit]
    return table


def _within(times: list, days: int) -> bool:
    """Two of these (hall, moment) pairs, in time order, no more than ``days`` apart."""
    span = datetime.timedelta(days=days)
    return any(later[1] - earlier[1] <= span for earlier, later in zip(times, times[1:], strict=False))


def _shown(value, column) -> str:
    if value is None:
        return "—"
    if column.kind == "percent":
        return f"{value:.1%}"
    return str(value)


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


class Dashboard:
    def __init__(self, *, user, date_from: datetime.date, date_to: datetime.date, region: Region | None):
        self.user, self.date_from, self.date_to, self.region = user, date_from, date_to, region
        self.period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        self.place = {"region": region.pk} if region else {}

    # The lists the numbers open, and the rows they count: the same filter, the same parameters.
    def findings_params(self, **extra) -> dict:
        return {**self.period, **self.place, "established": "true", **extra}

    def findings(self, **extra):
        return finding_list(user=self.user, params=self.findings_params(**extra)).qs.order_by()

    def findings_url(self, **extra) -> str:
        return f"{reverse('finding_list')}?{urlencode(self.findings_params(**extra))}"

    def items_params(self, **extra) -> dict:
        return {**self.place, "assigned_from": self.period["date_from"], "assigned_to": self.period["date_to"],
                "assigned": "true", **extra}

    def items(self, **extra):
        return ledger(user=self.user, params=self.items_params(**extra)).qs.order_by()

    def items_url(self, **extra) -> str:
        return f"{reverse('ledger')}?{urlencode(self.items_params(**extra))}"

    def drill_url(self, region: Region) -> str:
        return f"{reverse('dashboard')}?{urlencode({**self.period, 'region': region.pk})}"

    def tables(self) -> list[Table]:
        return [self.by_class(), self.by_subcategory(), self.by_place(), self.by_month(), self.rectification(),
                self.overdue_halls(), self.accountability(), self.repeat_offenders(), self.region_ranking(),
                self.hall_ranking()]

    def repeat_offenders(self) -> Table:
        """The same person, or the same window, with two findings or more within REPEAT_WITHIN_DAYS."""
        table = Table("repeat", _("屡查屡犯（%(days)s 天内两次及以上）") % {"days": REPEAT_WITHIN_DAYS}, [
            Column(_("对象"), 8), Column(_("人员或窗口"), 30), Column(_("问题数"), 10, "int"), Column(_("最近一次"), 12),
        ], method=_("所选期间内，同一工作人员或同一窗口在 %(days)s 天内被发现两次及以上问题。问题数为其在所选期间的全部问题。")
            % {"days": REPEAT_WITHIN_DAYS}, label_at=1, value_at=2)
        findings = self.findings().order_by("observed_at")
        for kind, label in (("staff", _("人员")), ("window", _("窗口"))):
            seen: dict[int, list] = {}
            for key, hall, at in findings.exclude(**{f"{kind}__isnull": True}).values_list(kind, "hall", "observed_at"):
                seen.setdefault(key, []).append((hall, at))
            repeated = {key: times for key, times in seen.items() if _within(times, REPEAT_WITHIN_DAYS)}
            if kind == "staff":
                names = {s.pk: (s.name, s.hall.name, s.hall_id) for s in
                         Staff.objects.filter(pk__in=list(repeated)).select_related("hall")}
            else:
                names = {w.pk: (w.label or str(w.number), w.hall.name, w.hall_id, w.number) for w in
                         Window.objects.filter(pk__in=list(repeated)).select_related("hall")}
            for key, times in sorted(repeated.items(), key=lambda kv: (-len(kv[1]), names[kv[0]][0])):
                name = names[key]
                extra = {"staff_id": key} if kind == "staff" else {"hall": name[2], "window": name[3]}
                table.add([label, f"{name[0]}（{name[1]}）", len(times), f"{timezone.localtime(times[-1][1]):%Y-%m-%d}"],
                          [None, None, self.findings_url(**extra), None])
        return table

    def accountability_params(self, **extra) -> dict:
        return {**self.period, **self.place, **extra}

    def accountability(self) -> Table:
        table = Table("accountability", _("问责情况（按方式和类型）"), [
            Column(_("问责方式"), 20), Column(_("处理类型"), 20), Column(_("人次"), 10, "int")],
            method=_("所选期间作出决定的问责，按决定日期计。"), label_at=1, value_at=2)
        records = accountability_list(user=self.user, params=self.accountability_params()).qs.order_by()
        tracks = dict(Accountability.Track.choices)
        for row in records.values("track", "type").annotate(n=Count("pk")).order_by("track", "-n", "type"):
            params = self.accountability_params(track=row["track"], type=row["type"])
            table.add([str(tracks.get(row["track"], row["track"])), row["type"], row["n"]],
                      [None, None, f"{reverse('accountability_list')}?{urlencode(params)}"])
        return table

    def _visits(self):
        start, end = self.date_from, self.date_to + datetime.timedelta(days=1)
        return visits_visible_to(self.user).filter(
            started_at__gte=_start_of(start), started_at__lt=_start_of(end),
            **({"hall__region__path__startswith": self.region.path} if self.region else {}),
        )

    def hall_ranking(self, limit: int | None = RANKING_ROWS) -> Table:
        """Fair ranking: halls by findings per visit (and per window), never by raw counts, which
        grow with how often a hall is visited and how big it is."""
        visits = dict(self._visits().values_list("hall").annotate(n=Count("pk")))
        findings = dict(self.findings(from_visit="true").filter(visit__in=self._visits()).values_list("hall")
                        .annotate(n=Count("pk")))
        windows = dict(Window.objects.filter(hall__in=list(visits), active=True).values_list("hall").annotate(
            n=Count("pk")))
        names = dict(halls_visible_to(self.user).filter(pk__in=list(visits)).values_list("pk", "name"))
        units = [(names.get(hall, ""), visited, findings.get(hall, 0), windows.get(hall, 0),
                  self.findings_url(hall=hall, from_visit="true")) for hall, visited in visits.items()]
        return _ranking("ranking", _("大厅问题率排名"), _("服务大厅"), units, limit)

    def region_ranking(self) -> Table:
        """The same rule over the region's parts (its cities, or its counties)."""
        children = list(Region.objects.filter(parent=self.region).exclude(level=Region.Level.TOWNSHIP)
                        .order_by("code")) if self.region else []
        by_path = {"visits": self._visits().values_list("hall__region__path").annotate(n=Count("pk")),
                   "findings": self.findings(from_visit="true").filter(visit__in=self._visits()).values_list(
                       "hall__region__path").annotate(n=Count("pk")),
                   "windows": Window.objects.filter(active=True, hall__in=halls_visible_to(self.user)).values_list(
                       "hall__region__path").annotate(n=Count("pk"))}
        totals = {key: list(rows) for key, rows in by_path.items()}

        def under(key, child):
            return sum(n for path, n in totals[key] if path.startswith(child.path))

        units = [(child.name, under("visits", child), under("findings", child), under("windows", child),
                  self.findings_url(region=child.pk, from_visit="true")) for child in children]
        units = [unit for unit in units if unit[1]]
        return _ranking("region_ranking", _("地区问题率排名"), _("地区"), units, None)

    def by_class(self) -> Table:
        table = Table("class", _("按问题大类"), [Column(_("问题大类"), 24), Column(_("问题数"), 10, "int"),
                                                 Column(_("占比"), 10, "percent")],
                      method=_("已认定（已确认、已通报）的问题，按发现时间计入所选期间。"))
        counts = dict(self.findings().values_list("category__parent").annotate(n=Count("pk")))
        total = sum(counts.values())
        for klass in ProblemCategory.objects.filter(parent=None).order_by("order", "code"):
            n = counts.get(klass.pk, 0)
            table.add([f"{klass.code} {klass.name}", n, _rate(n, total)],
                      [None, self.findings_url(category=klass.pk), None])
        return table

    def by_subcategory(self) -> Table:
        table = Table("subcategory", _("问题子项（前 %(n)s 项）") % {"n": TOP_SUBCATEGORIES},
                      [Column(_("问题子项"), 30), Column(_("问题数"), 10, "int")])
        rows = (self.findings().values("category", "category__code", "category__name").annotate(n=Count("pk"))
                .order_by("-n", "category__code")[:TOP_SUBCATEGORIES])
        for row in rows:
            table.add([f"{row['category__code']} {row['category__name']}", row["n"]],
                      [None, self.findings_url(category=row["category"])])
        return table

    def by_place(self) -> Table:
        """The region's parts (province → city → county), or at the bottom its halls."""
        children = list(Region.objects.filter(parent=self.region).exclude(level=Region.Level.TOWNSHIP)
                        .order_by("code")) if self.region else []
        if children:
            table = Table("place", _("按地区"), [Column(_("地区"), 24), Column(_("问题数"), 10, "int")],
                          method=_("点击地区名称查看下一级。"))
            counts = self.findings().values_list("hall__region__path").annotate(n=Count("pk"))
            for child in children:
                n = sum(count for path, count in counts if path.startswith(child.path))
                table.add([child.name, n], [self.drill_url(child), self.findings_url(region=child.pk)])
            return table
        table = Table("place", _("按服务大厅"), [Column(_("服务大厅"), 28), Column(_("问题数"), 10, "int")])
        counts = dict(self.findings().values_list("hall").annotate(n=Count("pk")))
        halls = halls_visible_to(self.user).filter(pk__in=counts).order_by("name")
        for hall in halls:
            table.add([hall.name, counts[hall.pk]], [None, self.findings_url(hall=hall.pk)])
        return table

    def by_month(self) -> Table:
        table = Table("month", _("按月趋势"), [Column(_("月份"), 12), Column(_("问题数"), 10, "int")], chart="line")
        counts = {month.date() if isinstance(month, datetime.datetime) else month: n for month, n in
                  self.findings().annotate(month=TruncMonth("observed_at")).values_list("month").annotate(
                      n=Count("pk"))}
        month = self.date_from.replace(day=1)
        while month <= self.date_to:
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            start, end = max(month, self.date_from), min(following - datetime.timedelta(days=1), self.date_to)
            n = counts.get(month, 0)
            table.add([f"{month:%Y-%m}", n], [None, self.findings_url(date_from=start.isoformat(),
                                                                      date_to=end.isoformat())])
            month = following
        return table

    def rectification(self) -> Table:
        today = timezone.localdate()
        table = Table("rectification", _("整改完成率与逾期率"), [
            Column(_("整改事项"), 12, "int"), Column(_("已到期"), 10, "int"), Column(_("已销号"), 10, "int"),
            Column(_("整改完成率"), 12, "percent"), Column(_("逾期未改"), 10, "int"), Column(_("逾期率"), 10, "percent"),
            Column(_("平均整改用时（工作日）"), 14, "number"),
        ], method=_("所选期间交办的整改事项。整改完成率＝已销号÷已到期（时限已到或已销号）；逾期率＝逾期未改÷已到期；"
                    "平均整改用时为已销号事项从交办到销号的工作日数（国务院节假日安排）。"))
        counts = self.items().aggregate(
            total=Count("pk"),
            due=Count("pk", filter=Q(deadline__lte=today) | Q(status=RectificationItem.Status.CLOSED)),
            closed=Count("pk", filter=Q(status=RectificationItem.Status.CLOSED)),
            overdue=Count("pk", filter=Q(status__in=WORKING_STATUSES, deadline__lt=today)),
        )
        spans = list(self.items(status=RectificationItem.Status.CLOSED).exclude(assigned_date=None).exclude(
            closed_on=None).values_list("assigned_date", "closed_on"))
        days = working_days_between(spans)
        table.add([counts["total"], counts["due"], counts["closed"], _rate(counts["closed"], counts["due"]),
                   counts["overdue"], _rate(counts["overdue"], counts["due"]),
                   round(sum(days) / len(days), 1) if days else None],
                  [self.items_url(), None, self.items_url(status=RectificationItem.Status.CLOSED), None,
                   self.items_url(overdue="true"), None, None])
        table.chart = ""  # one row of rates: the table says it
        return table

    def overdue_halls(self) -> Table:
        table = Table("overdue", _("逾期事项最多的大厅（前 %(n)s 个）") % {"n": TOP_OVERDUE_HALLS},
                      [Column(_("服务大厅"), 28), Column(_("逾期未改"), 10, "int")])
        rows = (self.items(overdue="true").values("hall", "hall__name").annotate(n=Count("pk"))
                .order_by("-n", "hall__name")[:TOP_OVERDUE_HALLS])
        for row in rows:
            table.add([row["hall__name"], row["n"]], [None, self.items_url(overdue="true", hall=row["hall"])])
        return table


@dataclass
class DashboardExporter(Exporter):
    """The dashboard's numbers, a sheet a table."""

    dashboard: Dashboard | None = None
    title: str = "统计分析"

    def sheets(self):
        subtitle = _("期间：%(start)s 至 %(end)s") % {"start": self.dashboard.date_from, "end": self.dashboard.date_to}
        tables = [t for t in self.dashboard.tables() if t.key != "ranking"] + [self.dashboard.hall_ranking(limit=None)]
        return [Sheet(table.title[:31], table.title, table.columns, table.rows, subtitle) for table in tables]
