"""Shared fixtures: real databases (SQLite file always, PostgreSQL when TEST_DATABASE_URL is
set), migrated with the project's Alembic migrations, and the demo registry."""
from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.core import db
from bot.core.models import Base
from bot.journeys.registry import import_registry_file

ROOT = Path(__file__).resolve().parent.parent
DEMO_REGISTRY = ROOT / "registry" / "demo.yml"

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variants skipped")
    name = f"community_bot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    db._engines.pop(url, None)
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        ), {"name": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database at the latest migration, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url):
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine):
    return db.uow_factory(engine)()


@pytest.fixture
def demo_uow(uow):
    import_registry_file(DEMO_REGISTRY, uow)
    return uow


@pytest.fixture
def configured_database(database_url, demo_uow, monkeypatch):
    """Point the app's own settings (as the action server reads them) at the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield database_url
    engine = db._engines.pop(database_url, None)
    if engine is not None:
        engine.dispose()


# ---------------------------------------------------------------- the running assistant

@dataclass
class RunningAssistant:
    base_url: str
    database_url: str

    def uow(self) -> db.UnitOfWork:
        if self.database_url not in db._engines:
            db._engines[self.database_url] = db.make_engine(self.database_url)
        return db.uow_factory(db._engines[self.database_url])()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The real Rasa server and action server with a small trained model, on a fresh
    SQLite database holding the demo registry. Started once per test run."""
    from tests.rasa_harness import demo_database, running_assistant, trained_model

    workdir = tmp_path_factory.mktemp("assistant")
    database_url = demo_database(workdir)
    key = Fernet.generate_key().decode()
    with running_assistant(trained_model(), database_url, workdir, {"CASE_ENCRYPTION_KEY": key}) as base_url:
        os.environ["CASE_ENCRYPTION_KEY"] = key  # so tests can decrypt what the action server stored
        yield RunningAssistant(base_url, database_url)


_senders = itertools.count()


@pytest.fixture
def chat(assistant):
    """A new person (a new Slack user id) talking to the assistant."""
    from tests.rasa_harness import Chat

    return Chat(assistant.base_url, f"U0CHAT{next(_senders):04d}")
