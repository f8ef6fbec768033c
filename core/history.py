"""A record's change history (django-simple-history) as the pages show it."""

from django.conf import settings


def history_entries(obj, excluded=(), who=str) -> list[dict]:
    """Each saved version of a record with who, when and which fields changed (old → new).

    ``who(user)`` names a person: the one who saved a version, and a changed
    field that points at a user (the hall side sees the visit's team instead
    of an inspector: see the callers).
    """
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = {f.name: f for f in type(obj)._meta.get_fields() if hasattr(f, "verbose_name")}
    entries = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=list(excluded))
            for change in delta.changes:
                field = fields.get(change.field)
                changes.append({
                    "field": field.verbose_name if field else change.field,
                    "old": _display(field, change.old, who), "new": _display(field, change.new, who),
                })
        entries.append({
            "record": record, "changes": changes, "created": previous is None,
            "who": who(record.history_user) if record.history_user_id else "",
        })
    return entries


def _display(field, value, who):
    if value in (None, "", []):
        return "—"
    if field is not None and field.many_to_many:
        # The rows of the through table, e.g. [{"circular": 3, "finding": 12}, …].
        key = field.m2m_reverse_field_name()
        related = field.related_model._base_manager.in_bulk([row[key] for row in value])
        return "、".join(str(_name(related.get(row[key]), row[key], who)) for row in value)
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)  # flat: the choices may be grouped
    if field is not None and field.is_relation and field.related_model:
        return _name(field.related_model._base_manager.filter(pk=value).first(), value, who)
    return value


def _name(obj, pk, who):
    if obj is None:
        return pk
    return who(obj) if obj._meta.label == settings.AUTH_USER_MODEL else str(obj)
