"""outbox coalescing and calendar state: coalesce_key, coalesce_state, ical_uid, ical_method on outbox_messages

A newer message with the same coalescing key replaces an unsent one (status "superseded", kept); the calendar
columns say which event and METHOD a message puts in its recipient's calendar. Existing rows keep NULLs: they
were never coalesced, and their calendar part is read from nowhere (only messages queued from now on count).

Revision ID: c0a1e5ced0b1
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-04 18:40:00

"""
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
