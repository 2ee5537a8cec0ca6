"""The database: engine, sessions and migrations. SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A failed statement's error message must not carry its parameters: they are whole articles,
# callback URLs with credentials, key hashes. The statement itself is still logged.
HIDE_PARAMETERS = True


class StoreUnavailable(Exception):
    """The database did not answer (down, restarting, out of connections): worth another try
    later, and nothing was written. Raised instead of the driver's error, so that no caller
    outside the store needs to know SQLAlchemy."""


class Database:
    """One engine and its session factory for a database URL."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, synchronous: bool = True) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        synchronous=False (PostgreSQL): the commit returns before its WAL reaches the disk
        (synchronous_commit off for this transaction). A crash of the database server can then
        lose the last fraction of a second of such commits, never half of one; the callers are
        batch chunks, whose lost work the sweeper runs again."""
        session = self._sessions()
        try:
            if not synchronous and self.engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield session
            session.commit()
        except OperationalError as exc:
            _rollback_quietly(session)
            raise StoreUnavailable(f"the database does not answer: {exc.orig or exc}") from exc
        except BaseException:
            _rollback_quietly(session)
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied (alembic upgrade head)."""
        from alembic import command

        command.upgrade(alembic_config(self.url), "head")

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _rollback_quietly(session: Session) -> None:
    # With the connection gone, the rollback fails too; the error worth raising is the first.
    with suppress(OperationalError):
        session.rollback()


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            hide_parameters=HIDE_PARAMETERS,
            connect_args={"check_same_thread": False, "timeout": 30},
            # Keep Cyrillic and Chinese readable in JSON columns, so a LIKE search finds them.
            json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            # WAL lets the API read while the embedded worker writes; foreign keys are off by
            # default in SQLite.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=HIDE_PARAMETERS,
        # A server that is down or unreachable costs a request 2 s and a 503, not a long hang.
        connect_args={"connect_timeout": 2},
    )
