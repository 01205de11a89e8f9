"""questions before the session: live_questions.asked_early and the absentees' answers emails sent

Registrants may ask and vote while the room is still scheduled; a question asked then keeps `asked_early`
(shown as "Asked before the session"). `absentee_emails` holds one row per session and person who was sent
the written answers after missing the session, so nobody gets that email twice. Existing questions: not early.

Revision ID: 80934a03cd64
Revises: 3a269f83d69a
Create Date: 2026-12-11 01:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '80934a03cd64'
down_revision = '3a269f83d69a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asked_early', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'absentee_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('outbox_message_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['exchange_sessions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', 'user_id', name='uq_absentee_emails_once'),
    )
    with op.batch_alter_table('absentee_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absentee_emails_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('absentee_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absentee_emails_user_id'))
    op.drop_table('absentee_emails')
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.drop_column('asked_early')
