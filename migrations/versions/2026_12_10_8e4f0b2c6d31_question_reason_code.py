"""question reason code: a preset dismissal reason on live_questions

Moderators dismiss a question with a preset reason (duplicate, off topic, answered elsewhere, not a question,
another reason) and optional words of their own; the code is stored so that each reader sees the reason in their
own language. Existing questions have none ("").

Revision ID: 8e4f0b2c6d31
Revises: 7d3e9a1c5b20
Create Date: 2026-12-08 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4f0b2c6d31'
down_revision = '7d3e9a1c5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=24), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.drop_column('reason_code')
