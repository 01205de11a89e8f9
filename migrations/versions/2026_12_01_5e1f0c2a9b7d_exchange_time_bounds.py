"""exchange time bounds: first_start and last_end stored on exchanges (indexed), filled from their sessions

Revision ID: 5e1f0c2a9b7d
Revises: ada44f9b390f
Create Date: 2026-12-01 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = 'ada44f9b390f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_exchanges_first_start'), ['first_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_last_end'), ['last_end'], unique=False)
    # Existing exchanges: the same values the application keeps from now on (exchange/exchanges/models.py).
    op.execute("UPDATE exchanges SET "
               "first_start = (SELECT min(s.starts_at) FROM exchange_sessions s WHERE s.exchange_id = exchanges.id), "
               "last_end = (SELECT max(s.ends_at) FROM exchange_sessions s WHERE s.exchange_id = exchanges.id)")


def downgrade():
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchanges_last_end'))
        batch_op.drop_index(batch_op.f('ix_exchanges_first_start'))
        batch_op.drop_column('last_end')
        batch_op.drop_column('first_start')
