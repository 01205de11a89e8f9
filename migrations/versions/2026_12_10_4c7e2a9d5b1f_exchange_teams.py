"""exchange teams: exchange_team_members, each existing exchange's creator as its first member

Each exchange is run by its team (the organizer who created it and the co-organizers they add) and by
administrators. The upgrade puts every existing exchange's creator into its team; an exchange without a creator
(the account was deleted, or it came from the command line) gets an empty team: administrators still run it and
can add organizers to it.

Revision ID: 4c7e2a9d5b1f
Revises: 4c8e1a6d2b90
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7e2a9d5b1f'
down_revision = '4c8e1a6d2b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_exchange_team_members_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_exchange_team_members_exchange_id_exchanges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exchange_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_team_members')),
    sa.UniqueConstraint('exchange_id', 'user_id', name=op.f('uq_exchange_team_members_exchange_id'))
    )
    with op.batch_alter_table('exchange_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_team_members_exchange_id'), ['exchange_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_team_members_user_id'), ['user_id'], unique=False)

    # Each existing exchange's creator joins its team, as of the exchange's creation.
    op.execute(sa.text(
        "INSERT INTO exchange_team_members (exchange_id, user_id, added_by_id, added_at) "
        "SELECT id, created_by_id, NULL, created_at FROM exchanges WHERE created_by_id IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('exchange_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_team_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_team_members_exchange_id'))
    op.drop_table('exchange_team_members')
