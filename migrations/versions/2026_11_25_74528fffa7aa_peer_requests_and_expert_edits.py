"""peer requests and expert edits: the peer_requests table (with topics) and expert_profiles.edited_at

Revision ID: 74528fffa7aa
Revises: 3574ff7d6652
Create Date: 2026-11-25 17:51:10.211427

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74528fffa7aa'
down_revision = '3574ff7d6652'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('peer_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=True),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('focus_area_id', sa.Integer(), nullable=True),
    sa.Column('languages', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours_start', sa.SmallInteger(), nullable=False),
    sa.Column('hours_end', sa.SmallInteger(), nullable=False),
    sa.Column('preferred_times', sa.Text(), nullable=False),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['expert_id'], ['expert_profiles.id'], name=op.f('fk_peer_requests_expert_id_expert_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['focus_area_id'], ['focus_areas.id'], name=op.f('fk_peer_requests_focus_area_id_focus_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['official_id'], ['users.id'], name=op.f('fk_peer_requests_official_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_peer_requests_requester_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_requests'))
    )
    with op.batch_alter_table('peer_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_requests_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_requests_official_id'), ['official_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_requests_status'), ['status'], unique=False)

    op.create_table('peer_request_topics',
    sa.Column('peer_request_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['peer_request_id'], ['peer_requests.id'], name=op.f('fk_peer_request_topics_peer_request_id_peer_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_peer_request_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('peer_request_id', 'topic_id', name=op.f('pk_peer_request_topics'))
    )
    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.drop_column('edited_at')

    op.drop_table('peer_request_topics')
    with op.batch_alter_table('peer_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_requests_status'))
        batch_op.drop_index(batch_op.f('ix_peer_requests_official_id'))
        batch_op.drop_index(batch_op.f('ix_peer_requests_expert_id'))

    op.drop_table('peer_requests')
