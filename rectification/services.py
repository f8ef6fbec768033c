"""Writes for the ledger, revisits and accountability.

Every service asks the policy who may act (``core.permissions.require``) and
moves an item only along ``ITEM_TRANSITIONS`` (``_move``), runs in one
transaction, records history with the actor, and queues the notifications
the step calls for.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from core.exporting import in_chunks, rows_per_chunk
from core.permissions import require
from inspections.models import Finding
from inspections.scope import findings_visible_to, known_to_hall
from inspections.services import finding_confirm
from inspections.services.evidence import check_uploads, removed_on_failure, store_files
from rectification.calendar import CountedDate, add_working_days
from rectification.models import (
    ITEM_TRANSITIONS,
    PROVISIONAL_LABEL,
    WORKING_STATUSES,
    Accountability,
    DeadlineRule,
    ExtensionRequest,
    Notification,
    ProgressEntry,
    RectificationItem,
    RectificationKind,
    Revisit,
)
from rectification.scope import items_visible_to
from registry.models import Staff
from registry.scope import offices_covering

Status = RectificationItem.Status


class StaleEdit(ValidationError):
    """Someone saved the item after this edit was started."""


# --- Deadlines --------------------------------------------------------------------

def deadline_rule_for(finding: Finding) -> DeadlineRule | None:
    """The most specific rule: sub-item + severity, sub-item, class + severity, class, default."""
    rules = DeadlineRule.objects.filter(
        category__in=[finding.category_id, finding.category.parent_id]
    ) | DeadlineRule.objects.filter(category__isnull=True)
    best, best_score = None, -1
    for rule in rules:
        if rule.severity and rule.severity != finding.severity:
            continue
        score = (4 if rule.category_id == finding.category_id else 2 if rule.category_id else 0)
        score += 1 if rule.severity else 0
        if score > best_score:
            best, best_score = rule, score
    return best


def deadline_for(kind: str, assigned: datetime.date, working_days: int | None) -> CountedDate | None:
    if kind == RectificationKind.ONGOING:
        return None
    return add_working_days(assigned, working_days or 1)


def deadline_text(item: RectificationItem) -> str:
    """The deadline as notifications, exports and the circular say it: "2027-01-28（预估）"."""
    return deadline_words(item.deadline, item.deadline_estimated, item.kind)


def deadline_words(deadline: datetime.date | None, estimated: bool, kind: str) -> str:
    """deadline_text from the three values (exports read them with values_list)."""
    if deadline is None:
        return str(RectificationKind.ONGOING.label) if kind == RectificationKind.ONGOING else "—"
    return f"{deadline.isoformat()}（{PROVISIONAL_LABEL}）" if estimated else deadline.isoformat()


@transaction.atomic
def estimated_deadlines_recount(*, actor) -> list[RectificationItem]:
    """Count every open provisional deadline again once the years it runs through are announced
    (entered by the office, or shipped by a newer calendar library): it becomes exact, with a
    history entry, and the hall is told if the date moved. One still reaching a year not yet
    announced is left as it is, so that entering a year day by day tells nobody anything until it
    is complete. Safe to run at any time."""
    changed = []
    estimated = RectificationItem.objects.filter(deadline_estimated=True).exclude(
        status=Status.CLOSED).select_for_update(of=("self",))
    for item in estimated.select_related("hall", "hall__region"):
        counted = add_working_days(item.assigned_date, item.deadline_working_days)
        if counted.provisional:
            continue
        before = item.deadline
        item.deadline, item.deadline_estimated = counted, False
        item._change_reason = _("按公布的放假安排重新计算整改时限")
        _save(item, actor)
        if before != counted:
            changed.append(item)
            notify(
                recipients=_hall_managers(item), kind=Notification.Kind.DEADLINE_CHANGED, item=item,
                text=_("整改事项 %(code)s 的整改时限按国务院公布的放假安排重新计算：%(before)s → %(after)s。")
                % {"code": item.code, "before": before, "after": deadline_text(item)},
                key=f"recounted:{item.pk}:{counted}",
            )
    return changed


# --- Notifications ------------------------------------------------------------------

def notify(*, recipients, kind: str, item: RectificationItem | None, text: str, key: str):
    """One notification per recipient and key; a second call with the same key adds nothing."""
    for user in recipients:
        try:
            with transaction.atomic():
                Notification.objects.get_or_create(
                    recipient=user, key=key, defaults={"kind": kind, "item": item, "text": text[:300]}
                )
        except IntegrityError:  # made by a concurrent run in between: that one counts
            pass


def _hall_managers(item):
    return item.hall.managers.filter(is_active=True)


def _offices(item):
    return offices_covering(item.hall)


# --- Creating and assigning items ---------------------------------------------------------

def rectifiable_statuses(actor, finding: Finding) -> set[str]:
    """The reviewing office rectifies what it confirmed; a hall what it found itself, once submitted."""
    if actor.has_perm("finding.confirm", finding):
        return {Finding.Status.CONFIRMED, Finding.Status.PUBLISHED}
    return {Finding.Status.SUBMITTED, Finding.Status.CONFIRMED}



@transaction.atomic
def findings_confirm(*, actor, findings: list[Finding], rectify: bool = False) -> list[Finding]:
    """确认所选 on the review queue: every chosen finding confirmed (and, with ``rectify``, its
    ledger item opened, as 确认并下发整改 does one at a time), or none of them."""
    confirmed = [finding_confirm(actor=actor, finding=finding) for finding in findings]
    if rectify:
        for finding in confirmed:
            item_create(actor=actor, findings=[finding])
    return confirmed


@transaction.atomic
def item_create(*, actor, findings: list[Finding], kind: str | None = None, working_days: int | None = None,
                deadline: datetime.date | None = None, measures: str = "", standard: str = "",
                responsible_leader: str = "", responsible_person: str = "", today=None) -> RectificationItem:
    """One ledger item for one finding, or for several findings of the same unit.

    The office creates items for confirmed findings; a hall manager for their
    own self-inspection findings. Items for findings the hall may not see yet
    (undercover, not published) wait as "prepared" until their circular is
    published; the others are assigned at once with a deadline from the rule.
    """
    today = today or timezone.localdate()
    if not findings:
        raise ValidationError(_("请至少选择一个问题。"))
    halls = {f.hall_id for f in findings}
    if len(halls) > 1:
        raise ValidationError(_("一个整改事项只能包含同一单位的问题。"))
    hall = findings[0].hall
    for finding in findings:
        require(actor, "finding.rectify", finding)
        if finding.status not in rectifiable_statuses(actor, finding):
            raise ValidationError(
                _("问题 %(code)s 当前为“%(status)s”，不能下发整改。")
                % {"code": finding.code, "status": finding.get_status_display()}
            )
        if finding.rectification_items.exists():
            raise ValidationError(_("问题 %(code)s 已有整改事项。") % {"code": finding.code})
    rule = deadline_rule_for(findings[0])
    kind = kind or (rule.kind if rule else RectificationKind.DEADLINE)
    if working_days is None and rule is not None and rule.kind == kind:
        working_days = rule.working_days
    departments = {f.department_id for f in findings}
    item = RectificationItem(
        hall=hall, department=findings[0].department if len(departments) == 1 else None,
        kind=kind, measures=measures, standard=standard, responsible_leader=responsible_leader,
        responsible_person=responsible_person, created_by=actor,
    )
    item._history_user = actor
    item.save()
    item.findings.set(findings)
    if all(known_to_hall(f) for f in findings):
        item = item_assign(actor=actor, item=item, today=today, working_days=working_days, deadline=deadline)
    return item


@transaction.atomic
def item_assign(*, actor, item: RectificationItem, today=None, working_days=None, deadline=None):
    """prepared → assigned: the deadline is set and the hall is told. Called by item_create and by
    the circular's publishing, which have asked the policy."""
    today = today or timezone.localdate()
    item = _locked(item)
    _move(item, Status.ASSIGNED)
    if not ready_for_hall(item):
        raise ValidationError(_("该整改事项还包含尚未通报的暗访问题，不能下发。"))
    counted = None
    if deadline is None and item.kind != RectificationKind.ONGOING:
        if working_days is None:
            rule = deadline_rule_for(item.findings.select_related("category").first())
            working_days = rule.working_days if rule else 15
        deadline = counted = deadline_for(item.kind, today, working_days)
    if deadline is not None and deadline < today:
        raise ValidationError({"deadline": _("整改时限不能早于交办日期。")})
    item.assigned_date, item.deadline = today, deadline
    item.deadline_working_days = (working_days or 1) if counted else None
    item.deadline_estimated = bool(counted and counted.provisional)
    _save(item, actor)
    notify(
        recipients=_hall_managers(item), kind=Notification.Kind.ASSIGNED, item=item,
        text=_("新的整改事项 %(code)s：%(what)s，整改时限 %(deadline)s。") % {
            "code": item.code, "what": _item_summary(item), "deadline": deadline_text(item),
        },
        key=f"assigned:{item.pk}",
    )
    return item


def ready_for_hall(item: RectificationItem) -> bool:
    """Whether the hall may see every finding of the item (so the item can be assigned to it)."""
    return all(known_to_hall(f) for f in item.findings.all())


def _item_summary(item) -> str:
    finding = item.findings.select_related("category").first()
    return finding.category.name if finding else ""


# --- Editing --------------------------------------------------------------------------

HALL_EDITABLE = ("measures", "standard", "responsible_leader", "responsible_person", "completion_note",
                 "proof_notes")
OFFICE_EDITABLE = HALL_EDITABLE + ("deadline", "kind")


@transaction.atomic
def item_update(*, actor, item: RectificationItem, version: int, values: dict) -> RectificationItem:
    """Save the ledger columns, refusing a stale edit (optimistic locking).

    ``version`` is the one the editor started from. If someone saved in
    between, nothing is written and the editor is told so; the other save is
    kept as it is.
    """
    item = _locked(item)
    require(actor, "item.edit", item)
    editable = editable_fields(actor, item)
    if item.status == Status.CLOSED:
        raise ValidationError(_("已销号的事项不能修改。"))
    if int(version) != item.version:
        raise StaleEdit(
            _("保存失败：在您编辑期间，此事项已被其他人修改（当前为第 %(current)d 版，您编辑的是第 %(yours)d 版）。"
              "请刷新页面查看最新内容后再修改；您填写的内容仍保留在下方。")
            % {"current": item.version, "yours": int(version)}
        )
    for field in editable:
        if field in values and field != "deadline":
            setattr(item, field, values[field])
    if "deadline" in editable and "deadline" in values and values["deadline"] != item.deadline:
        _give_deadline(item, values["deadline"])
    if item.deadline and item.assigned_date and item.deadline < item.assigned_date:
        raise ValidationError({"deadline": _("整改时限不能早于交办日期。")})
    item.version += 1
    _save(item, actor)
    return item


def editable_fields(actor, item) -> tuple[str, ...]:
    """The office also sets the deadline and the kind; the hall fills in the rest."""
    return OFFICE_EDITABLE if actor.has_perm("item.set_deadline", item) else HALL_EDITABLE


# --- Progress and close-out ---------------------------------------------------------------

def takes_progress(status: str) -> bool:
    """Whether an item takes progress entries in this status (not before it is assigned, not once closed)."""
    return status not in (Status.PREPARED, Status.CLOSED)


def status_after_progress(status: str) -> str:
    """The first progress starts the work: assigned → in progress (along ITEM_TRANSITIONS, see _move)."""
    return Status.IN_PROGRESS if status == Status.ASSIGNED else status


def have_proof(item_ids) -> set[int]:
    """The items, of these ids, with a proof file on one of their progress entries."""
    found = set()
    for chunk in in_chunks(sorted(set(item_ids)), rows_per_chunk()):
        found.update(ProgressEntry.objects.filter(item_id__in=chunk, proof__isnull=False).values_list("item_id", flat=True))
    return found


def closure_lacks(*, completion_note: str, has_proof: bool) -> dict[str, str]:
    """What a close-out request still needs, by field ("completion_note", "proof"): the rule
    closure_request applies, also asked by the ledger import before it offers a request."""
    lacks = {}
    if not (completion_note or "").strip():
        lacks["completion_note"] = _("请填写完成情况。")
    if not has_proof:
        lacks["proof"] = _("申请销号前，请先在整改进展中上传佐证材料。")
    return lacks


def progress_add(*, actor, item: RectificationItem, date: datetime.date, text: str, files=()) -> ProgressEntry:
    """Append a progress entry with proof files; the first one starts the work (assigned → in progress)."""
    files = list(files)
    require(actor, "item.add_progress", item)
    _check_progress(date=date, text=text)
    checked = check_uploads(files) if files else []
    with removed_on_failure() as written, transaction.atomic():
        item = _locked(item)
        entry = _progress_entry(actor=actor, item=item, date=date, text=text)
        entry._history_user = actor
        entry.save()
        entry.proof.set(store_files(actor=actor, checked=checked, written=written, hall=item.hall,
                                    from_hall=not actor.has_perm("item.set_deadline", item)))
        if status_after_progress(item.status) != item.status:
            _move(item, status_after_progress(item.status))
            _save(item, actor)
    return entry


def _check_progress(*, date: datetime.date, text: str):
    if not (text or "").strip():
        raise ValidationError({"text": _("请填写整改进展。")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("进展日期不能晚于今天。")})


def _progress_entry(*, actor, item: RectificationItem, date: datetime.date, text: str) -> ProgressEntry:
    """The entry to save, if the item takes progress in its status."""
    if not takes_progress(item.status):
        raise ValidationError(_("事项当前为“%(status)s”，不能填报进展。") % {"status": item.get_status_display()})
    return ProgressEntry(item=item, date=date, text=text.strip(), author=actor)


# --- Many items at once: the ledger import ------------------------------------------------

def items_for_ledger(*, actor, ids, lock: bool = False) -> dict[int, RectificationItem]:
    """The items of these ids that the actor may fill in through a ledger (policy: item.edit), with
    their latest progress text and date (``latest_progress``, ``latest_progress_date``), locked for writing when ``lock``; the
    others are left out."""
    if not actor.has_perm("item.import"):
        return {}
    editable = items_visible_to(actor).select_related("hall__region")
    latest = ProgressEntry.objects.filter(item=OuterRef("pk")).order_by("-date", "-id")
    if lock:
        editable = editable.select_for_update(of=("self",))
    found = {}
    for chunk in in_chunks(sorted(set(ids)), rows_per_chunk()):
        found.update(
            (item.pk, item) for item in editable.filter(pk__in=chunk).annotate(
                latest_progress=Subquery(latest.values("text")[:1]), latest_progress_date=Subquery(latest.values("date")[:1]),
            )
            if actor.has_perm("item.edit", item)
        )
    return found


def ledger_fill(*, actor, item: RectificationItem, values: dict, progress: tuple[datetime.date, str] | None):
    """Check one ledger row against the rules of item_update and progress_add and apply it to ``item``
    in memory; ``ledger_save`` writes them all. ``item`` comes from ``items_for_ledger``.

    Returns whether the item itself changed, and the progress entry to save (or None).
    """
    status_before = item.status
    if values:
        if item.status == Status.CLOSED:
            raise ValidationError(_("已销号的事项不能修改。"))
        unknown = set(values) - set(editable_fields(actor, item))
        if unknown:
            raise PermissionDenied
        for field, value in values.items():
            setattr(item, field, value)
        item.clean_fields(exclude=[f.name for f in item._meta.fields if f.name not in values])
        item.version += 1
    entry = None
    if progress is not None:
        date, text = progress
        _check_progress(date=date, text=text)
        entry = _progress_entry(actor=actor, item=item, date=date, text=text)
        if status_after_progress(item.status) != item.status:
            _move(item, status_after_progress(item.status))
    return bool(values) or item.status != status_before, entry


# Every field ledger_fill may set; writing one unchanged is harmless, the items being locked.
_LEDGER_FILLED = (*OFFICE_EDITABLE, "status", "version")


@transaction.atomic
def ledger_save(*, actor, items: list[RectificationItem], entries: list[ProgressEntry]):
    """Write what ``ledger_fill`` applied: the changed items and the new progress entries, each with
    its history row, in a few statements per thousand."""
    if items:
        _update_each(items, _LEDGER_FILLED)
        RectificationItem.history.bulk_history_create(items, batch_size=1000, update=True, default_user=actor)
    if entries:
        bulk_create_with_history(entries, ProgressEntry, batch_size=1000, default_user=actor)


def _update_each(objs: list, fields):
    """One UPDATE per object, sent as one batch (psycopg pipelines ``executemany``).

    Django's ``bulk_update`` writes a CASE over every object for every field;
    building it took most of a 10,000-row import's time.
    """
    connection = transaction.get_connection()
    meta = objs[0]._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def closure_request(*, actor, item: RectificationItem, completion_note: str) -> RectificationItem:
    item = _locked(item)
    require(actor, "item.request_closure", item)
    _check_transition(item, Status.CLOSURE_REQUESTED)
    lacks = closure_lacks(completion_note=completion_note, has_proof=bool(have_proof([item.pk])))
    if "completion_note" in lacks:
        raise ValidationError({"completion_note": lacks["completion_note"]})
    if lacks:
        raise ValidationError(lacks["proof"])
    _move(item, Status.CLOSURE_REQUESTED)
    item.completion_note = completion_note.strip()
    item.closure_requested_on = timezone.localdate()
    _save(item, actor)
    notify(
        recipients=_offices(item), kind=Notification.Kind.CLOSURE_REQUESTED, item=item,
        text=_("%(hall)s 申请对整改事项 %(code)s 销号。") % {"hall": item.hall, "code": item.code},
        key=f"closure_requested:{item.pk}:{item.closure_requested_on}:{item.version}",
    )
    return item


@transaction.atomic
def closure_approve(*, actor, item: RectificationItem) -> RectificationItem:
    item = _locked(item)
    require(actor, "item.approve_closure", item)
    _move(item, Status.CLOSED)
    item.closed_on, item.closed_by = timezone.localdate(), actor
    _save(item, actor)
    notify(
        recipients=_hall_managers(item), kind=Notification.Kind.CLOSURE_APPROVED, item=item,
        text=_("整改事项 %(code)s 已销号。") % {"code": item.code},
        key=f"closure_approved:{item.pk}:{item.closed_on}",
    )
    return item


@transaction.atomic
def closure_return(*, actor, item: RectificationItem, reason: str) -> RectificationItem:
    item = _locked(item)
    require(actor, "item.return_closure", item)
    if item.status != Status.CLOSURE_REQUESTED:
        raise ValidationError(_("只有申请销号的事项才能退回。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明退回理由。")})
    _move(item, Status.IN_PROGRESS)
    _save(item, actor)
    entry = ProgressEntry(item=item, date=timezone.localdate(), text=_("销号申请被退回：%(reason)s") % {"reason": reason.strip()}, author=actor)
    entry._history_user = actor
    entry.save()
    notify(
        recipients=_hall_managers(item), kind=Notification.Kind.CLOSURE_RETURNED, item=item,
        text=_("整改事项 %(code)s 的销号申请被退回：%(reason)s") % {"code": item.code, "reason": reason.strip()},
        key=f"closure_returned:{item.pk}:{item.version}",
    )
    return item


def closures_approve(*, actor, items) -> list[RectificationItem]:
    """Approve several close-outs at once: all or none, each with its own history row."""
    with transaction.atomic():
        return [closure_approve(actor=actor, item=item) for item in items]


# --- Extensions ---------------------------------------------------------------------------

@transaction.atomic
def extension_request(*, actor, item: RectificationItem, reason: str,
                      proposed_deadline: datetime.date) -> ExtensionRequest:
    item = _locked(item)
    require(actor, "item.request_extension", item)
    if item.status not in WORKING_STATUSES or item.deadline is None:
        raise ValidationError(_("只有整改中且有整改时限的事项才能申请延期。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    if proposed_deadline <= item.deadline:
        raise ValidationError({"proposed_deadline": _("申请延期的日期必须晚于原整改时限 %(deadline)s。") % {"deadline": item.deadline}})
    if item.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError(_("该事项已有待审批的延期申请。"))
    extension = ExtensionRequest(
        item=item, reason=reason.strip(), current_deadline=item.deadline,
        proposed_deadline=proposed_deadline, requested_by=actor,
    )
    extension._history_user = actor
    extension.save()
    notify(
        recipients=_offices(item), kind=Notification.Kind.EXTENSION_REQUESTED, item=item,
        text=_("%(hall)s 申请将整改事项 %(code)s 延期至 %(date)s。") % {"hall": item.hall, "code": item.code, "date": proposed_deadline},
        key=f"extension_requested:{extension.pk}",
    )
    return extension


@transaction.atomic
def extension_decide(*, actor, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    item = _locked(extension.item)
    require(actor, "extension.decide", item)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ValidationError(_("该延期申请已经审批过了。"))
    extension.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, timezone.now(), note.strip()
    extension._history_user = actor
    extension.save()
    if approve:
        _give_deadline(item, extension.proposed_deadline)  # the old one stays in the history and on the request
        item.version += 1
        _save(item, actor)
    notify(
        recipients=_hall_managers(item), kind=Notification.Kind.EXTENSION_DECIDED, item=item,
        text=(_("整改事项 %(code)s 的延期申请已批准，新的整改时限为 %(date)s。") if approve
              else _("整改事项 %(code)s 的延期申请未获批准，整改时限仍为 %(date)s。"))
        % {"code": item.code, "date": item.deadline},
        key=f"extension_decided:{extension.pk}",
    )
    return extension


# --- Revisits -------------------------------------------------------------------------------

def awaiting_revisit(item: RectificationItem) -> bool:
    """Close-out requested or closed, and not revisited since the close-out was asked for."""
    if item.status not in (Status.CLOSURE_REQUESTED, Status.CLOSED):
        return False
    return item.last_revisit_on is None or (
        item.closure_requested_on is not None and item.last_revisit_on < item.closure_requested_on
    )


def revisit_record(*, actor, items, date: datetime.date, observation: str, verdict: str, files=()) -> Revisit:
    """An inspector's revisit of one or more items. A negative verdict reopens them for accountability."""
    items, files = list(items), list(files)
    require(actor, "revisit.record")
    if not items:
        raise ValidationError(_("请至少选择一个整改事项。"))
    if verdict not in Revisit.Verdict.values:
        raise ValidationError({"verdict": _("请选择回访结论。")})
    if not (observation or "").strip():
        raise ValidationError({"observation": _("请填写回访看到的情况。")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("回访日期不能晚于今天。")})
    if len({item.hall_id for item in items}) > 1:
        raise ValidationError(_("一次回访只能登记同一单位的整改事项；不同单位请分别登记。"))
    checked = check_uploads(files) if files else []
    with removed_on_failure() as written, transaction.atomic():
        locked = [_locked(item) for item in items]
        visible = items_visible_to(actor)
        for item in locked:
            if not visible.filter(pk=item.pk).exists():
                raise PermissionDenied
            require(actor, "item.revisit", item)
            if not awaiting_revisit(item):
                raise ValidationError(
                    _("整改事项 %(code)s 当前不在待回访状态（%(status)s）。")
                    % {"code": item.code, "status": item.get_status_display()}
                )
        revisit = Revisit(date=date, inspector=actor, observation=observation.strip(), verdict=verdict)
        revisit._history_user = actor
        revisit.save()
        revisit.items.set(locked)
        revisit.evidence.set(store_files(actor=actor, checked=checked, written=written, hall=locked[0].hall))
        for item in locked:
            item.last_revisit_on = date
            if revisit.is_negative:
                _move(item, Status.IN_PROGRESS)
                item.needs_accountability = True
            item.version += 1
            _save(item, actor)
            notify(
                recipients=[*_hall_managers(item), *_offices(item)], kind=Notification.Kind.REVISIT, item=item,
                text=_("整改事项 %(code)s 回访结论：%(verdict)s。") % {"code": item.code, "verdict": revisit.get_verdict_display()},
                key=f"revisit:{revisit.pk}:{item.pk}",
            )
    return revisit


# --- Accountability -------------------------------------------------------------------------

@transaction.atomic
def accountability_record(*, actor, hall, subject: str, track: str, type: str, deciding_body: str,
                          decision_date: datetime.date, staff: Staff | None = None, department=None,
                          person_name: str = "", person_title: str = "", decision_number: str = "",
                          findings=(), items=(), notes: str = "") -> Accountability:
    require(actor, "accountability.record", hall)
    errors = {}
    if type not in Accountability.TYPES.get(track, []):
        errors["type"] = [_("“%(type)s”不是“%(track)s”的处理类型。") % {"type": type, "track": Accountability.Track(track).label if track in Accountability.Track.values else track}]
    if staff is not None and staff.hall_id != hall.pk:
        errors["staff"] = [_("所选工作人员不属于本单位。")]
    if department is not None and department.hall_id != hall.pk:
        errors["department"] = [_("所选部门不属于本单位。")]
    if decision_date > timezone.localdate():
        errors["decision_date"] = [_("决定日期不能晚于今天。")]
    visible_findings = findings_visible_to(actor)
    if any(f.hall_id != hall.pk or not visible_findings.filter(pk=f.pk).exists() for f in findings):
        errors["findings"] = [_("相关问题必须是本单位、且在您查看范围内的问题。")]
    elif any(not known_to_hall(f) for f in findings):
        # Accountability is seen by the hall; it must not point at a finding still under embargo.
        errors["findings"] = [_("暗访问题通报发布后，才能登记与之相关的问责。")]
    if any(i.hall_id != hall.pk for i in items):
        errors["items"] = [_("相关整改事项必须属于本单位。")]
    elif any(i.status == Status.PREPARED for i in items):
        errors["items"] = [_("待下发的整改事项不能关联问责。")]
    if errors:
        raise ValidationError(errors)
    record = Accountability(
        subject=subject, staff=staff, person_name=person_name or (staff.name if staff else ""),
        person_title=person_title, hall=hall, department=department, track=track, type=type,
        deciding_body=deciding_body, decision_number=decision_number, decision_date=decision_date,
        notes=notes, created_by=actor,
    )
    record.full_clean()
    record._history_user = actor
    record.save()
    record.findings.set(findings)
    record.items.set(items)
    return record


# --- Helpers -----------------------------------------------------------------------------

def _locked(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.select_for_update(of=("self",)).select_related("hall", "hall__region").get(pk=item.pk)


def _check_transition(item: RectificationItem, to: str):
    if to not in ITEM_TRANSITIONS[item.status]:
        raise ValidationError(
            _("整改事项当前为“%(current)s”，不能改为“%(target)s”。")
            % {"current": item.get_status_display(), "target": Status(to).label}
        )


def _move(item: RectificationItem, to: str):
    """The one way an item's status changes: along ITEM_TRANSITIONS, or not at all.

    Reopening a closed item (a failed revisit) ends its close-out: 销号日期 and 核销人 describe
    the current close-out only, and the earlier one stays in the item's history."""
    _check_transition(item, to)
    if item.status == Status.CLOSED and to != Status.CLOSED:
        item.closed_on, item.closed_by = None, None
    item.status = to


def _give_deadline(item: RectificationItem, deadline: datetime.date | None):
    """A date someone chose (the office's edit, an extension): exact, and never counted again."""
    item.deadline, item.deadline_working_days, item.deadline_estimated = deadline, None, False


def _save(item: RectificationItem, actor):
    item._history_user = actor
    item.full_clean(exclude=["findings"])
    item.save()
