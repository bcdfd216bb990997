"""PostgreSQL: refuse TRUNCATE of the audit tables, deleting the chain head, setting it back.

0002 refuses UPDATE and DELETE of audit rows, but a row trigger never fires for TRUNCATE,
which emptied the table in one statement (issue 9). Now a statement trigger refuses TRUNCATE of
both audit tables, and row triggers refuse deleting the chain head row or moving it backwards
(appends only move it forward). Someone who may disable triggers still can: ``verify_audit``
and the signed checkpoints catch that.

The test suite empties every table with TRUNCATE after tests that commit (``live_server``), so
the TRUNCATE trigger lets a session through that set ``opentrm.allow_audit_truncate`` to
``on``: only the test settings do. A role allowed to TRUNCATE the table owns it, and an owner
can disable the triggers anyway, so this gives nobody a power they lack.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('opentrm.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: TRUNCATE % refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_refuse_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_chainhead_refuse_truncate
    BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();

CREATE OR REPLACE FUNCTION audit_chainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted';
    END IF;
    IF NEW.last_sequence < OLD.last_sequence THEN
        RAISE EXCEPTION 'the audit chain head cannot move backwards';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_chainhead_forward_only
    BEFORE UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_chainhead_forward_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_chainhead_forward_only ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_chainhead_forward_only();
DROP TRIGGER IF EXISTS audit_chainhead_refuse_truncate ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_event_refuse_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event_type_without_choices")]
    operations = [migrations.RunPython(forward, backward)]
