"""outbox calendar sequence: ical_sequence on outbox_messages

The SEQUENCE inside a message's calendar part, so that every later message to the same person for the same event
carries a higher one (RFC 5546 §2.1.4: a cancelled registration, then registering again). Messages queued before
the upgrade get it from their text/calendar part, so the first message after it already goes above them.

Revision ID: 4f6b8d2c1e9a
Revises: 9b4d2e7f1a3c
Create Date: 2026-12-08 18:00:00

"""
import email
import re
from email.policy import default as default_policy

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f6b8d2c1e9a'
down_revision = '9b4d2e7f1a3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ical_sequence', sa.Integer(), nullable=True))
    _backfill_sequence()


_SEQUENCE = re.compile(r"^SEQUENCE:(\d+)\s*$", re.MULTILINE)


def calendar_sequence(raw: str) -> int | None:
    """Return the SEQUENCE of the text/calendar part of a stored message, or None."""
    message = email.message_from_string(raw, policy=default_policy)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            text = re.sub(r"\r?\n[ \t]", "", part.get_content()).replace("\r\n", "\n")  # unfold (RFC 5545 §3.1)
            found = _SEQUENCE.search(text)
            return int(found.group(1)) if found else 0  # no SEQUENCE property means 0 (RFC 5545 §3.8.7.4)
    return None


def _backfill_sequence(batch: int = 500):
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text(
        "SELECT id FROM outbox_messages WHERE ical_uid IS NOT NULL ORDER BY id"))]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = conn.execute(sa.text("SELECT id, raw FROM outbox_messages WHERE id IN :ids")
                            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).all()
        for message_id, raw in rows:
            sequence = calendar_sequence(raw)
            if sequence is not None:
                conn.execute(sa.text("UPDATE outbox_messages SET ical_sequence = :sequence WHERE id = :id"),
                             {"sequence": sequence, "id": message_id})


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('ical_sequence')
