"""Pagination that never counts a million rows.

A page fetches one row more than it shows to know whether a next page exists;
the total shown is counted only up to a cap ("10,000+"), which costs a bounded
index scan instead of a full COUNT(*).
"""

from dataclasses import dataclass

COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000
# No list reaches this far; a larger ?page= (99999999999999999999) would overflow the database's
# integer in OFFSET (a 500), so it reads as the page past the end: empty.
MAX_OFFSET = 2**31 - 1


@dataclass
class LightPage:
    object_list: list
    number: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def light_page(queryset, page_param, per_page: int, cap: int = COUNT_CAP) -> LightPage:
    try:
        number = max(1, int(page_param or 1))
    except (TypeError, ValueError):
        number = 1
    number = min(number, MAX_OFFSET // per_page)
    offset = (number - 1) * per_page
    # Deep pages: find the page's keys on the bare query first, then join only
    # those rows (an OFFSET over the joined query would join every skipped row).
    keys = list(queryset.values_list("pk", flat=True)[offset:offset + per_page + 1])
    by_key = queryset.in_bulk(keys[:per_page]) if keys else {}
    rows = [by_key[key] for key in keys[:per_page] if key in by_key]
    # Counting a capped slice is a bounded scan; ordering does not matter for it.
    count = queryset.order_by()[:cap + 1].count()
    return LightPage(
        object_list=rows[:per_page], number=number, has_next=len(keys) > per_page,
        count=min(count, cap), count_capped=count > cap,
    )
