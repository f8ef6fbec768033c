"""Quantitative facts a finding records, and the rules that check them.

Each problem category names the facts its intake form asks for and which of
them are required (``ProblemCategory.facts`` / ``required_facts``). The kinds
of fact, with their types and limits, are fixed here: the office chooses which
a category asks for, not what a "minute" is.

Facts are recorded as inspectors see them, never invented: a number, or —
for a number or a time — "not measured" (未测量), or one of the kind's own
qualitative values ("整个暗访期间", "多家"). Either satisfies a required fact.
They are stored as the value's key (a string where a number would be an int),
and ``describe_facts`` says them in words. "所做无关事" takes several
behaviours (闲聊、吃东西), stored as a list.
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FactKind:
    key: str
    label: str
    type: str  # "int", "decimal", "text", "time", "choice"
    unit: str = ""
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    choices: tuple = ()
    multiple: bool = False  # several choices at once (a list)
    # Qualitative values besides a number: (key, label on the form, words in a sentence, and the
    # markers by which a description says it already, so that a sentence does not say it twice).
    estimates: tuple = ()

    @property
    def alternatives(self) -> tuple:
        """What may stand instead of a number or a time: not measured, then the kind's own values."""
        if self.type not in ("int", "decimal", "time"):
            return ()
        return ((UNMEASURED, _("未测量"), "", ()), *self.estimates)


UNMEASURED = "unmeasured"
WHOLE_VISIT = ("一直", "整个", "始终", "全程")  # how a description says "the whole visit"


ACTIVITIES = (
    ("phone", _("玩手机")), ("chatting", _("闲聊")), ("eating", _("吃东西")),
    ("shopping", _("网购")), ("gaming", _("玩游戏")), ("stocks", _("炒股")),
    ("smoking", _("吸烟")), ("other", _("其他")),
)

FACT_KINDS = {
    kind.key: kind
    for kind in [
        FactKind("minutes_off_post", _("离岗时长"), "int", _("分钟"), 1, 24 * 60,
                 estimates=(("whole_visit", _("整个暗访期间"), _("整个暗访期间未回岗"), WHOLE_VISIT),)),
        FactKind("people_waiting", _("等候群众"), "int", _("人"), 0, 2000,
                 estimates=(("several", _("多人（未计数）"), _("多名群众等候"), ("多名", "多人", "多位")),)),
        FactKind("minutes_observed", _("观察到无人值守时长"), "int", _("分钟"), 1, 24 * 60,
                 estimates=(("whole_visit", _("整个暗访期间"), _("整个暗访期间无人值守"), WHOLE_VISIT),)),
        FactKind("covered_by", _("代岗人员"), "text"),
        FactKind("quote", _("原话"), "text"),
        FactKind("people_involved", _("涉及人数"), "int", _("人"), 1, 500,
                 estimates=(("several", _("多人（未计数）"), _("多人"), ("多名", "多人", "多位")),)),
        FactKind("extra_trips", _("让群众多跑次数"), "int", _("次"), 1, 100),
        FactKind("clock_time", _("到岗或离开时间"), "time"),
        FactKind("activity", _("所做无关事"), "choice", choices=ACTIVITIES, multiple=True),
        FactKind("count", _("次数或人数"), "int", "", 1, 1000,
                 estimates=(("several", _("多次或多人（未计数）"), _("多次"), ("多次", "多名", "多人", "多位")),)),
        FactKind("days", _("天数"), "int", _("天"), 1, 366),
        FactKind("item", _("收受物品"), "text"),
        FactKind("amount", _("金额"), "decimal", _("元"), Decimal("0.01"), Decimal("100000000")),
        FactKind("intermediaries", _("中介或被推荐企业数量"), "int", _("家"), 1, 1000,
                 estimates=(("several", _("多家（未计数）"), _("多家中介"), ("多家",)), ("none", _("无（未见中介）"), "", ()))),
        FactKind("queue_length", _("排队人数"), "int", _("人"), 0, 5000,
                 estimates=(("long", _("排长队（未计数）"), _("排起长队"), ("长队",)),)),
        FactKind("wait_minutes", _("等候时长"), "int", _("分钟"), 0, 24 * 60),
        FactKind("tickets_per_day", _("每日号源"), "int", _("个"), 0, 100000),
        FactKind("items", _("未进驻事项数"), "int", _("项"), 1, 10000),
        FactKind("calls_made", _("拨打次数"), "int", _("次"), 1, 1000),
        FactKind("calls_unanswered", _("未接通次数"), "int", _("次"), 0, 1000),
        FactKind("days_overdue", _("超期天数"), "int", _("天"), 1, 3650),
        FactKind("online_cases", _("网上办件数"), "int", _("件"), 0, 10**7),
        FactKind("total_cases", _("办件总数"), "int", _("件"), 0, 10**7),
    ]
}

# Rules across two facts: (smaller, larger, message).
CROSS_RULES = [
    ("calls_unanswered", "calls_made", _("未接通次数不能多于拨打次数。")),
    ("online_cases", "total_cases", _("网上办件数不能多于办件总数。")),
]

FACT_CHOICES = [(kind.key, kind.label) for kind in FACT_KINDS.values()]


def field_name(key: str) -> str:
    """The form field that carries a fact."""
    return f"fact_{key}"


def alternative_name(key: str) -> str:
    """The form field that carries a fact's alternative to a number (未测量, 整个暗访期间…)."""
    return f"fact_{key}_alt"


SEPARATORS = str.maketrans({mark: "、" for mark in ",，;；/／ "})


def _parse(kind: FactKind, raw):
    """One fact from what a form or a spreadsheet gave; raises ValidationError in Chinese."""
    if kind.type == "text":
        return str(raw).strip()
    if kind.type == "choice":
        by_label = {str(label): value for value, label in kind.choices} | {v: v for v, _label in kind.choices}
        given = list(raw) if isinstance(raw, list | tuple) else [
            part for part in str(raw).translate(SEPARATORS).split("、") if part.strip()]
        chosen = [by_label.get(str(part).strip()) for part in given]
        if not chosen or None in chosen or (len(chosen) > 1 and not kind.multiple):
            raise ValidationError(_("请选择列表中的一项。") if not kind.multiple else _("请从列表中选择，可多选。"))
        return list(dict.fromkeys(chosen)) if kind.multiple else chosen[0]
    alternative = {key: key for key, *_rest in kind.alternatives} | {
        str(label): key for key, label, *_rest in kind.alternatives}
    if isinstance(raw, str) and raw.strip() in alternative:
        return alternative[raw.strip()]
    if kind.type == "time":
        if isinstance(raw, datetime.time):
            return raw.strftime("%H:%M")
        try:
            return datetime.datetime.strptime(str(raw).strip(), "%H:%M").strftime("%H:%M")
        except ValueError:
            raise ValidationError(_("请按“时:分”填写时间，如 08:35。")) from None
    try:
        value = int(str(raw).strip()) if kind.type == "int" else Decimal(str(raw).strip())
    except (ValueError, InvalidOperation):
        raise ValidationError(_("请填写数字。")) from None
    if kind.type == "decimal" and value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("金额最多保留两位小数。"))
    if value < 0:
        raise ValidationError(_("不能为负数。"))
    if kind.min_value is not None and value < kind.min_value:
        raise ValidationError(_("不能小于 %(min)s。") % {"min": kind.min_value})
    if kind.max_value is not None and value > kind.max_value:
        raise ValidationError(_("不能大于 %(max)s。") % {"max": kind.max_value})
    return str(value) if kind.type == "decimal" else value


def clean_facts(category, raw: dict) -> dict:
    """The facts the category asks for, parsed and checked.

    ``raw`` maps fact keys to what was typed (empty values are "not given").
    Facts the category does not ask for are dropped; a missing required fact,
    a bad value or a broken cross rule raises ValidationError keyed by the
    fact's form field name.
    """
    errors: dict[str, list] = {}
    facts: dict = {}
    for key in category.facts:
        kind = FACT_KINDS.get(key)
        if kind is None:
            continue
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if key in category.required_facts:
                errors[field_name(key)] = [_("“%(label)s”为本类问题的必填项。") % {"label": kind.label}]
            continue
        try:
            facts[key] = _parse(kind, value)
        except ValidationError as error:
            errors[field_name(key)] = error.messages
    for smaller, larger, message in CROSS_RULES:
        measured = [facts.get(key) for key in (smaller, larger)]
        if all(isinstance(value, int) for value in measured) and measured[0] > measured[1]:
            errors.setdefault(field_name(smaller), []).append(message)
    if errors:
        raise ValidationError(errors)
    return facts


def describe_facts(facts: dict, said: str = "") -> str:
    """Facts as one line of text, e.g. "离岗时长 27 分钟；等候群众 3 人" (without what ``said`` says)."""
    return fact_describer()(facts, said)


def fact_describer():
    """describe_facts with the labels of the current language looked up once (exports call it per row)."""
    texts = _fact_texts(translation.get_language())

    def describe(facts: dict, said: str = "") -> str:
        """``said``: a description the words are to follow; what it says already is left out (a
        number with its unit, a behaviour it names, a qualitative value by its markers), and so
        is "其他", the description's own to say."""
        flat = said.replace(" ", "")
        parts = []
        for key, value in facts.items():
            found = texts.get(key)
            if found is None or value == UNMEASURED:
                continue  # not measured: nothing to say
            label, unit, choices, phrases = found
            if isinstance(value, str) and value in phrases:
                words, markers = phrases[value]
                if words and not (said and (words in flat or any(m in flat for m in markers))):
                    parts.append(words)
                continue
            if choices:
                values = [choices.get(v, v) for v in (value if isinstance(value, list) else [value])]
                if said:
                    values = [v for v in values if v not in flat and v != choices.get("other")]
                if values:
                    parts.append(f"{label} {'、'.join(values)}")
                continue
            if said and f"{value}{unit}".replace(" ", "") in flat:
                continue
            parts.append(f"{label} {value}{unit}")
        return "；".join(parts)

    return describe


@functools.cache
def _fact_texts(language: str | None) -> dict:
    """Each kind's label, " unit" and choice labels in one language, translated once (exports call
    describe_facts for every row)."""
    with translation.override(language):
        return {
            key: (str(kind.label), f" {kind.unit}" if kind.unit else "",
                  {value: str(label) for value, label in kind.choices},
                  {value: (str(words), markers) for value, _label, words, markers in kind.estimates})
            for key, kind in FACT_KINDS.items()
        }
