"""access revocations: one row per committed loss of access, read by every server process to close live sockets

Revision ID: e5ac880d2d00
Revises: c0a1e5ced0b1
Create Date: 2026-12-04 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5ac880d2d00'
down_revision = 'c0a1e5ced0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_revocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('login', sa.String(length=64), nullable=True),
    sa.Column('origin', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_revocations'))
    )
    with op.batch_alter_table('access_revocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_revocations_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('access_revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_revocations_at'))
    op.drop_table('access_revocations')
