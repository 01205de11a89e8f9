"""The migrations build the schema the models describe, and go down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from exchange import create_app
from exchange.extensions import db


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
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
