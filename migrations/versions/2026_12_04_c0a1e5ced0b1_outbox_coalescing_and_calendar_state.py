"""outbox coalescing and calendar state: coalesce_key, coalesce_state, ical_uid, ical_method on outbox_messages

A newer message with the same coalescing key replaces an unsent one (status "superseded", kept); the calendar
columns say which event and METHOD a message puts in its recipient's calendar; existing messages with a calendar
part get them from their text/calendar part, so a cancellation still knows the invites sent before the upgrade.

Revision ID: c0a1e5ced0b1
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-04 18:40:00

"""
import email
import re
from email.policy import default as default_policy

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0a1e5ced0b1'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coalesce_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('coalesce_state', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ical_uid', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('ical_method', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_coalesce_key'), ['coalesce_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_ical_uid'), ['ical_uid'], unique=False)
    _backfill_calendar_state()


_UID = re.compile(r"^UID:(.+)$", re.MULTILINE)


def calendar_state(raw: str) -> tuple[str | None, str | None]:
    """Return (UID, METHOD) of the text/calendar part of a stored message, or (None, None)."""
    message = email.message_from_string(raw, policy=default_policy)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            text = re.sub(r"\r?\n[ \t]", "", part.get_content())  # unfold (RFC 5545 §3.1)
            uid = _UID.search(text.replace("\r\n", "\n"))
            method = part.get_param("method")
            return (uid.group(1).strip() if uid else None), (str(method).upper() if method else None)
    return None, None


def _backfill_calendar_state(batch: int = 500):
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text(
        "SELECT id FROM outbox_messages WHERE raw LIKE :calendar ORDER BY id"), {"calendar": "%text/calendar%"})]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = conn.execute(sa.text("SELECT id, raw FROM outbox_messages WHERE id IN :ids")
                            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).all()
        for message_id, raw in rows:
            uid, method = calendar_state(raw)
            if uid:
                conn.execute(sa.text("UPDATE outbox_messages SET ical_uid = :uid, ical_method = :method WHERE id = :id"),
                             {"uid": uid[:255], "method": (method or "")[:10] or None, "id": message_id})


def downgrade():
    # Superseded messages were never sent and never will be: they go with the columns that explain them.
    op.execute("DELETE FROM outbox_messages WHERE status = 'superseded'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_ical_uid'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_coalesce_key'))
        batch_op.drop_column('ical_method')
        batch_op.drop_column('ical_uid')
        batch_op.drop_column('coalesce_state')
        batch_op.drop_column('coalesce_key')
