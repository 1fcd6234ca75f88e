"""Engine, unit of work and migrations."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import DomainError
from bot.core.models import utcnow
from bot.core.crypto import Cipher
from bot.core.settings import Settings, load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseNotReady(DomainError):
    """The database is missing, unreachable or not migrated; the message says what to run."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # The action server and CLI may write at once; wait rather than fail.
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


class UnitOfWork:
    """One transaction. `with uow:` opens a session; `uow.commit()` makes it durable;
    leaving the block without committing rolls back.

    It carries what a service needs besides the session, built once by the bootstrap: the
    settings (periods and limits the policy sets), the cipher for confidential text, and the
    clock a service reads the time from (a test may pass its own)."""

    def __init__(self, session_factory: Callable[[], Session], settings: Settings, cipher: Cipher,
                 clock: Callable[[], datetime] = utcnow):
        self._session_factory = session_factory
        self.settings = settings
        self.cipher = cipher
        self.clock = clock
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        return self

    def __exit__(self, *exc_info) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()
        self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()


# What a caller holds to open units of work: the bootstrap's, or a test's.
UowFactory = Callable[[], "UnitOfWork"]


def uow_factory(engine: Engine, settings: Settings | None = None, cipher: Cipher | None = None,
                clock: Callable[[], datetime] = utcnow) -> Callable[[], UnitOfWork]:
    """Units of work on `engine`; without settings, those of the environment (the CLI's and the
    tests' engines on a database of their own)."""
    settings = settings or load_settings()
    cipher = cipher or Cipher(settings)
    session_factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    return lambda: UnitOfWork(session_factory, settings, cipher, clock)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def check_ready(url: str) -> None:
    """Raises DatabaseNotReady, saying what to run, when the database is missing, out of
    reach or not at the latest migration: better than SQLAlchemy's traceback at the CLI."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    shown = make_url(url).render_as_string(hide_password=True)
    create = "Create it with: community-bot db upgrade (or `make db`, which also loads the demo registry)."
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise DatabaseNotReady(f"There's no database at {shown} yet. {create}")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError:
        raise DatabaseNotReady(f"I can't reach the database at {shown}: is the server running, and does the "
                               "database exist? Check DATABASE_URL, then run: community-bot db upgrade") from None
    finally:
        engine.dispose()
    if current is None:
        raise DatabaseNotReady(f"The database at {shown} has no tables yet. {create}")
    if current != ScriptDirectory.from_config(alembic_config(url)).get_current_head():
        raise DatabaseNotReady(f"The database at {shown} is from an older version. "
                               "Bring it up to date with: community-bot db upgrade")
