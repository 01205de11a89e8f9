"""The migrations build the schema the models describe, and go down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from exchange import create_app
from exchange.extensions import db
from exchange.reports.search import is_search_index_table


def _diff(engine) -> list:
    with engine.connect() as conn:
        # The SQLite search index is made by a migration and has no model (migrations/env.py leaves it out too).
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not (type_ == "table" and is_search_index_table(name))})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    # The session's schema was built by `upgrade()` in conftest; autogenerate must find nothing to add.
    assert _diff(db.engine) == []


def test_downgrade_to_base_and_upgrade_again(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'round.sqlite'}", "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names())
        assert tables <= {"alembic_version"}
        upgrade()
        assert _diff(db.engine) == []
        db.session.remove()
        db.engine.dispose()


def test_the_outbox_coalescing_migration_reads_the_calendar_of_messages_already_queued(tmp_path, monkeypatch):
    """Invites sent before the upgrade still count: a cancellation after it must know they are out there."""
    from sqlalchemy import text

    from exchange.mail.services import CalendarPart, Recipient, build_message

    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'backfill.sqlite'}", "SECRET_KEY": "x"})
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
           "UID:session-1-a-long-identifier-that-a-calendar-writer-folds-across-lin\r\n es@peer-exchange.local\r\n"
           "SEQUENCE:0\r\nSUMMARY:Caf\u00e9 data\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()

    with_calendar = build_message(sender="PE <no-reply@pe.test>", recipient=Recipient(email="ana@example.org"),
                                  subject="Registered", text="t", html="<p>h</p>",
                                  calendar=CalendarPart(ics=ics, method="REQUEST")).as_string()
    plain = build_message(sender="PE <no-reply@pe.test>", recipient=Recipient(email="ana@example.org"),
                          subject="Welcome", text="t", html="<p>h</p>").as_string()
    with app.app_context():
        upgrade(revision="5e1f0c2a9b7d")
        with db.engine.begin() as conn:
            for raw in (with_calendar, plain):
                conn.execute(text("INSERT INTO outbox_messages (kind, to_addr, subject, raw, status, attempts, "
                                  "next_attempt_at, created_at) VALUES ('k', 'ana@example.org', 's', :raw, 'sent', 1, "
                                  "'2026-12-01 10:00:00.000000', '2026-12-01 10:00:00.000000')"), {"raw": raw})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT ical_uid, ical_method FROM outbox_messages ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("session-1-a-long-identifier-that-a-calendar-writer-folds-across-lines@peer-exchange.local", "REQUEST"),
            (None, None)]
        downgrade(revision="5e1f0c2a9b7d")
        db.session.remove()
        db.engine.dispose()


def test_the_sequence_migration_reads_the_sequence_of_messages_already_queued(tmp_path, monkeypatch):
    """An invite sent before the upgrade still counts: the next message to that person goes above its SEQUENCE."""
    from sqlalchemy import text

    from exchange.mail.services import CalendarPart, Recipient, build_message

    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'sequence.sqlite'}", "SECRET_KEY": "x"})
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:session-1@peer-exchange.local\r\n"
           "SEQUENCE:7\r\nSUMMARY:Caf\u00e9 data\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    with_calendar = build_message(sender="PE <no-reply@pe.test>", recipient=Recipient(email="ana@example.org"),
                                  subject="Cancelled", text="t", html="<p>h</p>",
                                  calendar=CalendarPart(ics=ics, method="CANCEL")).as_string()
    plain = build_message(sender="PE <no-reply@pe.test>", recipient=Recipient(email="ana@example.org"),
                          subject="Welcome", text="t", html="<p>h</p>").as_string()
    with app.app_context():
        upgrade(revision="9b4d2e7f1a3c")
        with db.engine.begin() as conn:
            for raw, uid in ((with_calendar, "session-1@peer-exchange.local"), (plain, None)):
                conn.execute(text("INSERT INTO outbox_messages (kind, to_addr, subject, raw, status, attempts, "
                                  "next_attempt_at, created_at, ical_uid) VALUES ('k', 'ana@example.org', 's', :raw, "
                                  "'sent', 1, '2026-12-01 10:00:00.000000', '2026-12-01 10:00:00.000000', :uid)"),
                             {"raw": raw, "uid": uid})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT ical_uid, ical_sequence FROM outbox_messages ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("session-1@peer-exchange.local", 7), (None, None)]


def test_the_teams_migration_puts_each_exchanges_creator_on_its_team(tmp_path, monkeypatch):
    """Existing exchanges keep being run by the organizer who created them; one without a creator gets no team
    (administrators run it), and nobody else is added."""
    from sqlalchemy import text

    from exchange.accounts.models import User
    from exchange.exchanges.models import Exchange
    from exchange.exchanges.permissions import runs_exchange

    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'teams.sqlite'}", "SECRET_KEY": "x"})
    now = "2026-12-01 10:00:00.000000"
    with app.app_context():
        upgrade(revision="9b4d2e7f1a3c")
        with db.engine.begin() as conn:
            for n, (name, role) in enumerate((("Olivia", "organizer"), ("Otto", "organizer"), ("Ada", "admin")), 1):
                conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, timezone, language, "
                                  "disabled, session_version, created_at) VALUES (:id, :email, :name, '!', :role, "
                                  "'UTC', 'en', false, 1, :now)"),
                             {"id": n, "email": f"{name.lower()}@example.org", "name": name, "role": role, "now": now})
            for n, creator in ((1, 1), (2, None), (3, 1)):
                conn.execute(text("INSERT INTO exchanges (id, kind, title, description, status, visibility, "
                                  "requires_approval, video_url, timezone, languages, interpretation_notes, "
                                  "created_by_id, created_at, updated_at) VALUES (:id, 'webinar', :title, '', "
                                  "'draft', 'public', false, '', 'UTC', 'en', '', :creator, :now, :now)"),
                             {"id": n, "title": f"Exchange {n}", "creator": creator, "now": now})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT exchange_id, user_id FROM exchange_team_members ORDER BY exchange_id"))
            assert [tuple(r) for r in rows] == [(1, 1), (3, 1)]
        olivia, otto, ada = (db.session.get(User, n) for n in (1, 2, 3))
        first, orphan = db.session.get(Exchange, 1), db.session.get(Exchange, 2)
        assert runs_exchange(olivia, first) and not runs_exchange(otto, first)
        assert not runs_exchange(olivia, orphan) and runs_exchange(ada, orphan)
        downgrade(revision="9b4d2e7f1a3c")
        db.session.remove()
        db.engine.dispose()


def test_the_library_search_migration_indexes_the_notes_already_written(tmp_path, monkeypatch):
    """On SQLite the FTS5 index starts with every note there is; going down removes it and its shadow tables."""
    from sqlalchemy import text

    from exchange.reports.search import fts_rowid

    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'search.sqlite'}", "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="4f6b8d2c1e9a")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO outcome_notes (id, exchange_id, title, challenge, practice, lessons, "
                              "next_steps, status, created_at, updated_at) VALUES (7, 1, 'Budgets', 'Trust', "
                              "'Participação cidadã', '', '', 'published', '2026-12-01 10:00:00.000000', "
                              "'2026-12-01 10:00:00.000000')"))
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT rowid, kind, ref FROM library_fts WHERE library_fts MATCH "
                                     "'\"participacao\"'")).all()
        assert [tuple(r) for r in rows] == [(fts_rowid("note", 7), "note", 7)]
        downgrade(revision="4f6b8d2c1e9a")
        with db.engine.connect() as conn:
            assert not [t for t in db.inspect(conn).get_table_names() if t.startswith("library_fts")]
        db.session.remove()
        db.engine.dispose()
