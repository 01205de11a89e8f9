"""registration questions: an exchange's own questions on its registration form, and the answers kept with each
registration

Revision ID: 7c3e9a1d5b20
Revises: 4c7e2a9d5b1f
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1d5b20'
down_revision = '4c7e2a9d5b1f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_registration_questions_exchange_id_exchanges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_questions')),
    sa.UniqueConstraint('exchange_id', 'external_id', name=op.f('uq_registration_questions_exchange_id'))
    )
    with op.batch_alter_table('registration_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_questions_exchange_id'), ['exchange_id'], unique=False)

    op.create_table('registration_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['registration_questions.id'], name=op.f('fk_registration_answers_question_id_registration_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_answers')),
    sa.UniqueConstraint('registration_id', 'question_id', name=op.f('uq_registration_answers_registration_id'))
    )
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_answers_registration_id'), ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_answers_registration_id'))
        batch_op.drop_index(batch_op.f('ix_registration_answers_question_id'))
    op.drop_table('registration_answers')
    with op.batch_alter_table('registration_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_questions_exchange_id'))
    op.drop_table('registration_questions')
