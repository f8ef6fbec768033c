"""A record's change history (django-simple-history) as the pages show it: in words.

A change reads the way the page would say it: a yes/no field as 是/否
("需问责：否 → 是"), a choice by its label, a date as 2026-11-20 and a moment
as 2026-11-20 09:30 (local time), and a record it points at by its name. The
records pointed at are read once per model for the whole history, so a page
costs the same number of queries however long the history grows.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

EMPTY = "—"


def history_entries(obj, excluded=(), who=str, records=None) -> list[dict]:
    """Each saved version of a record with who, when and which fields changed (old → new).

    ``who(user)`` names a person: the one who saved a version, and a changed
    field that points at a user (the hall side sees the visit's team instead
    of an inspector: see the callers). ``records`` are the record's history
    rows in order, when the caller has read them already.
    """
    if records is None:
        records = history_records(obj)
    fields = {f.name: f for f in type(obj)._meta.get_fields() if hasattr(f, "verbose_name")}
    versions = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=list(excluded))
            changes = [(fields.get(change.field), change) for change in delta.changes]
        versions.append((previous, record, changes))
    related = _related_objects(change for _previous, _record, changes in versions for change in changes)
    entries = []
    for previous, record, changes in versions:
        entries.append({
            "record": record, "created": previous is None,
            "changes": [{
                "field": field.verbose_name if field is not None else change.field,
                "old": display(field, change.old, who, related), "new": display(field, change.new, who, related),
            } for field, change in changes],
            "who": who(record.history_user) if record.history_user_id else "",
        })
    return entries


def history_records(obj) -> list:
    """The record's history rows, oldest first, with who saved each."""
    return list(obj.history.select_related("history_user").order_by("history_date", "history_id"))


def _related_objects(changes) -> dict:
    """{model: {pk: object}} for every record the changes point at, one query per model."""
    wanted: dict = {}
    for field, change in changes:
        if field is None or not field.is_relation or field.related_model is None:
            continue
        for value in (change.old, change.new):
            if field.many_to_many:
                key = field.m2m_reverse_field_name()
                wanted.setdefault(field.related_model, set()).update(row[key] for row in value or [])
            elif value not in (None, ""):
                wanted.setdefault(field.related_model, set()).add(value)
    return {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}


def display(field, value, who=str, related=None) -> str:
    """One value of a field as the page says it."""
    if value in (None, "", []):
        return EMPTY
    if field is None:
        return value
    related = related if related is not None else {}
    if field.many_to_many:
        # The rows of the through table, e.g. [{"circular": 3, "finding": 12}, …].
        key = field.m2m_reverse_field_name()
        found = related.get(field.related_model, {})
        return "、".join(str(_name(found.get(row[key]), row[key], who)) for row in value)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))  # flat: the choices may be grouped
    if field.is_relation and field.related_model:
        found = related.get(field.related_model)
        obj = found.get(value) if found is not None else field.related_model._base_manager.filter(pk=value).first()
        return str(_name(obj, value, who))
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _name(obj, pk, who):
    if obj is None:
        return pk
    return who(obj) if obj._meta.label == settings.AUTH_USER_MODEL else str(obj)
