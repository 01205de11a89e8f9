"""session video url: a session's own video link on exchange_sessions

A session may have its own video link (a conference's tracks meet in different rooms); when set it is shown in the
live room and the joining details instead of the exchange's. Existing sessions have none (NULL): they keep using
the exchange's link.

Revision ID: 3a269f83d69a
Revises: 8e4f0b2c6d31
Create Date: 2026-12-11 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a269f83d69a'
down_revision = '8e4f0b2c6d31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exchange_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_url', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('exchange_sessions', schema=None) as batch_op:
        batch_op.drop_column('video_url')
