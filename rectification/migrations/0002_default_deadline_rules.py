"""Starting deadline rules; the office edits them in the admin (整改时限规则)."""

from django.db import migrations

# (category code or None for all, severity or "", kind, working days)
RULES = [
    (None, "", "deadline", 15),
    ("A", "", "immediate", 1),
    ("B", "", "deadline", 10),
    ("C", "", "deadline", 10),
    ("D", "", "deadline", 15),
    ("D", "severe", "deadline", 30),
    ("E", "", "deadline", 30),
    ("F", "", "deadline", 20),
    ("G", "", "deadline", 30),
    ("G07", "", "ongoing", None),
]


def load(apps, schema_editor):
    Rule = apps.get_model("rectification", "DeadlineRule")
    Category = apps.get_model("inspections", "ProblemCategory")
    for code, severity, kind, days in RULES:
        category = Category.objects.filter(code=code).first() if code else None
        if code and category is None:
            continue
        Rule.objects.update_or_create(
            category=category, severity=severity, defaults={"kind": kind, "working_days": days}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0001_initial"),
        ("inspections", "0002_taxonomy"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
