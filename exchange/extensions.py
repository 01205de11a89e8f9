"""Flask extensions, created unbound and initialised in create_app."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic can drop and alter them on every backend (SQLite batch mode too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
csrf = CSRFProtect()
babel = Babel()
# gzip/brotli/zstd for HTML, CSS, JS and JSON: most pages shrink to a quarter on a slow link.
compress = Compress()
# Limits are declared where they apply (views); storage is memory in one process, Redis when REDIS_URL is set.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def link_table(name: str, left: tuple[str, str], right: tuple[str, str]):
    """Return a many-to-many link table: two cascading foreign keys forming the primary key.

    `left` and `right` are (column name, "table.id") pairs, e.g. ("exchange_id", "exchanges.id").
    """
    from sqlalchemy import Column, ForeignKey, Table

    return Table(name, db.metadata, *(Column(column, ForeignKey(target, ondelete="CASCADE"), primary_key=True)
                                      for column, target in (left, right)))
