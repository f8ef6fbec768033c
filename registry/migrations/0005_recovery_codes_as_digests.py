"""Recovery codes stored before were django-otp's plain text: each becomes its keyed digest
(registry.two_factor.recovery_digest), so the codes users hold keep working and a copy of the
database holds none of them. A digest is 16 hex characters; a plain code is 8 base32 ones."""

from django.db import migrations


def to_digests(apps, schema_editor):
    from registry.two_factor import recovery_digest

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__regex=r"^[0-9a-f]{16}$"):
        token.token = recovery_digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_signed_in_sessions"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Digests cannot be turned back into codes: going back leaves them (users renew theirs).
    operations = [migrations.RunPython(to_digests, migrations.RunPython.noop)]
