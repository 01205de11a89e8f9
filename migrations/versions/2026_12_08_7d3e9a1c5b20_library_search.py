"""library search: the SQLite full-text index of the knowledge library (FTS5)

On SQLite, the virtual table `library_fts` holds the text of every outcome note, live question (with its answer)
and follow-up, one row each (rowid = id * 4 + 1 for a note, 2 for a question, 3 for a follow-up: the rule of
`exchange.reports.search.fts_rowid`), filled here from the rows already there and kept from then on by the
application's flush listener (`register_search_index`). Who may read a row is decided when searching, from the
live rows. Accents are folded (`remove_diacritics 2`).

PostgreSQL needs no table: the search computes `to_tsvector` with each exchange's language at query time (the
library holds hundreds of texts, not millions; a stored tsvector column with a GIN index is the step when it does).

Revision ID: 7d3e9a1c5b20
Revises: 7c3e9a1d5b20
Create Date: 2026-12-08 20:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d3e9a1c5b20'
down_revision = '7c3e9a1d5b20'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE VIRTUAL TABLE library_fts USING fts5("
               "kind UNINDEXED, ref UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')")
    op.execute("INSERT INTO library_fts (rowid, kind, ref, title, body) "
               "SELECT id * 4 + 1, 'note', id, title, challenge || char(10) || practice || char(10) || lessons "
               "|| char(10) || next_steps FROM outcome_notes")
    op.execute("INSERT INTO library_fts (rowid, kind, ref, title, body) "
               "SELECT id * 4 + 2, 'answer', id, body, answer FROM live_questions")
    op.execute("INSERT INTO library_fts (rowid, kind, ref, title, body) "
               "SELECT f.id * 4 + 3, 'followup', f.id, q.body, f.answer FROM follow_ups f "
               "JOIN live_questions q ON q.id = f.question_id")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("DROP TABLE library_fts")
