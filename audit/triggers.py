"""The database's own refusal to change or shorten the security log.

The application's database account cannot rewrite the log whatever its code does: the
migration that makes the table installs these triggers. Tests that empty the whole database
(a live-server test's flush) take them off first and put them back (tests/conftest.py).
"""

# The database refuses every UPDATE of a security event, and every DELETE of one younger than
# audit.models.AUDIT_MIN_KEEP_DAYS (180 days): the application's own database account cannot
# rewrite or shorten the log, whatever its code does. PostgreSQL by a plpgsql trigger; SQLite,
# the embedded default, by two triggers of its own (it stores times as UTC text, so the
# comparison with datetime('now', ...) is a text one).
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_securityevent is append-only: UPDATE refused';
    END IF;
    IF OLD.at >= now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit_securityevent keeps rows 180 days: DELETE of a row of % refused', OLD.at;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_securityevent_append_only
    BEFORE UPDATE OR DELETE ON audit_securityevent
    FOR EACH ROW EXECUTE FUNCTION audit_securityevent_append_only();
"""
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_securityevent_no_update BEFORE UPDATE ON audit_securityevent
       BEGIN SELECT RAISE(ABORT, 'audit_securityevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_securityevent_no_early_delete BEFORE DELETE ON audit_securityevent
       WHEN OLD.at >= datetime('now', '-180 days')
       BEGIN SELECT RAISE(ABORT, 'audit_securityevent keeps rows 180 days: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_securityevent_no_update",
    "DROP TRIGGER IF EXISTS audit_securityevent_no_early_delete",
]
DROP = """
DROP TRIGGER IF EXISTS audit_securityevent_append_only ON audit_securityevent;
DROP FUNCTION IF EXISTS audit_securityevent_append_only();
"""


def _statements(connection, postgresql, sqlite):
    return {"postgresql": [postgresql], "sqlite": sqlite}.get(connection.vendor, [])


def install(connection):
    """Put the triggers on (again): idempotent, so a test can take them off and back."""
    remove(connection)
    with connection.cursor() as cursor:
        for statement in _statements(connection, APPEND_ONLY, SQLITE_APPEND_ONLY):
            cursor.execute(statement, None)  # no parameters: the "%" in the message stays


def remove(connection):
    with connection.cursor() as cursor:
        for statement in _statements(connection, DROP, SQLITE_DROP):
            cursor.execute(statement, None)


def install_triggers(apps, schema_editor):
    install(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    remove(schema_editor.connection)
