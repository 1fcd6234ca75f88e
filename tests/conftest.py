"""Shared fixtures: real databases (SQLite file always, PostgreSQL when TEST_DATABASE_URL is
set), migrated with the project's Alembic migrations, and the demo registry."""
from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import bootstrap
from bot.core import db
from bot.core.models import Base
from bot.journeys.registry import import_registry_file
from harness.servers import RunningAssistant
from harness.slack_double import SIGNING_SECRET as SLACK_SIGNING_SECRET

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


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> dict[str, Path]:
    """SQLite files migrated once per run, one empty and one holding the demo registry: a test's
    database is a copy of one (migrating per test cost a fifth of the unit suite)."""
    from harness.servers import demo_database

    migrated = tmp_path_factory.mktemp("migrated") / "migrated.db"
    db.upgrade(f"sqlite:///{migrated}")
    demo = demo_database(tmp_path_factory.mktemp("demo")).removeprefix("sqlite:///")
    return {"migrated": migrated, "demo": Path(demo)}


@pytest.fixture
def engine(database_url, request):
    """The database at the latest migration; holding the demo registry already when the test
    asks for `demo_uow` (on SQLite a copy of a template, on PostgreSQL migrated and imported)."""
    demo = "demo_uow" in request.fixturenames
    sqlite = database_url.startswith("sqlite:///")
    if sqlite:
        template = request.getfixturevalue("sqlite_templates")["demo" if demo else "migrated"]
        shutil.copyfile(template, database_url.removeprefix("sqlite:///"))
    else:
        db.upgrade(database_url)
    engine = db.make_engine(database_url)
    if demo and not sqlite:
        import_registry_file(DEMO_REGISTRY, db.uow_factory(engine)())
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine):
    return db.uow_factory(engine)()


@pytest.fixture
def demo_uow(uow):
    """A unit of work on a database holding the demo registry (`engine` put it there)."""
    return uow


@pytest.fixture
def configured_database(database_url, demo_uow, monkeypatch):
    """Point the app's own settings (as the action server reads them) at the test database,
    with a case key, which a server on a shared database must have."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    if not os.environ.get("CASE_ENCRYPTION_KEY"):
        monkeypatch.setenv("CASE_ENCRYPTION_KEY", CASE_KEY)
    yield database_url


@pytest.fixture
def case_key(monkeypatch):
    """A case key of the test's own (the processes and units of work it builds encrypt with it)."""
    monkeypatch.setenv("CASE_ENCRYPTION_KEY", Fernet.generate_key().decode())


@pytest.fixture(autouse=True)
def process_wiring():
    """The process's wiring (bot.bootstrap) is built from each test's own environment, on
    first use, and disposed of after it: as a fresh process would."""
    bootstrap.install(None)
    yield
    left = bootstrap.install(None)
    if left is not None:
        left.dispose()


# ---------------------------------------------------------------- the running assistant

# One key for every assistant of the run, so tests can decrypt what any of them stored.
CASE_KEY = Fernet.generate_key().decode()


class BackgroundAssistant:
    """The real Rasa server (REST and Slack both on, both servers logging at DEBUG for the canary)
    and the action server, on a fresh SQLite database holding the demo registry, with the Slack
    Web API double (and the Socket Mode double for the shared one).

    Started in a background thread as soon as the run is collected, so the model's training (if
    this content was never trained) and the servers' start-up overlap the unit tests, which run
    first; the first test that needs it waits for it. `store`: the tracker store, "memory" (the
    embedded default; the assistant every conversation test shares), "sql" or "redis" (the
    canary's, each needing a server of its own)."""

    def __init__(self, workdir: Path, store: str = "memory") -> None:
        from harness.servers import demo_database, tracker_store

        self.workdir, self.store = workdir, store  # pytest's temporary folder: logs kept after a failed run
        # The servers' environment as it is now: the unit tests running meanwhile change os.environ.
        self.environ = dict(os.environ)
        self._stack = ExitStack()
        self._ready: RunningAssistant | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        # Here, not in the thread: Alembic's migration context is one per process.
        self.database_url = demo_database(workdir)
        try:
            self.tracker_url, self.read_tracker_store = self._stack.enter_context(tracker_store(store, workdir))
        except (Exception, pytest.skip.Exception) as unavailable:  # Redis not running: its test skips, saying so
            self._error = unavailable
            return
        self._thread = threading.Thread(target=self._start, name=f"assistant-{store}", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        """Only what touches nothing the unit tests running meanwhile use: the model, the
        Slack doubles (threads of their own), the servers (processes of their own)."""
        from harness.servers import running_assistant, trained_model
        from harness.slack_double import SlackDouble, SocketModeDouble

        try:
            model = trained_model(self.environ)
            slack = self._stack.enter_context(SlackDouble())
            slack.add_channel("C0DANDI001", "dandi-service")
            slack.add_channel("C0WIT00001", "women-in-tech", private=True)
            env = {"CASE_ENCRYPTION_KEY": CASE_KEY, "SLACK_BOT_TOKEN": "xoxb-test",
                   "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET, "SLACK_API_URL": slack.base_url,
                   "ENABLE_REST_CHANNEL": "1", "OUTBOX_POLL_SECONDS": "0.5"}
            socket = None
            if self.store == "memory":
                socket = self._stack.enter_context(SocketModeDouble())
                slack.socket_url = socket.url
                env["SLACK_APP_TOKEN"] = "xapp-test"
            if self.tracker_url:
                env["TRACKER_STORE_URL"] = self.tracker_url
            servers: dict = {}
            base_url = self._stack.enter_context(
                running_assistant(model, self.database_url, self.workdir, env, debug=True, servers=servers,
                                  base_env=self.environ))
            if socket is not None:
                socket.wait_connected(timeout=60)
            self._ready = RunningAssistant(base_url, self.database_url, slack, socket, self.workdir, servers["actions"])
        except BaseException as error:  # handed to the first test that asks
            self._error = error

    def wait(self) -> RunningAssistant:
        if self._thread is not None:
            self._thread.join()
        if isinstance(self._error, pytest.skip.Exception):
            raise self._error
        if self._error is not None:
            raise RuntimeError(f"the assistant ({self.store} tracker store) did not start") from self._error
        # Set here, in the main thread, once conversation tests run (a unit test running
        # meanwhile must not see it change): tests decrypt what the action server stored.
        os.environ["CASE_ENCRYPTION_KEY"] = CASE_KEY
        return self._ready

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._stack.close()


_assistants: dict[str, BackgroundAssistant] = {}


CONVERSATION_TESTS = Path(__file__).resolve().parent / "conversation"


@pytest.hookimpl(tryfirst=True)  # before -m and -k deselect
def pytest_itemcollected(item):
    """The folder says what a test needs: tests/conversation/ the running assistant, marked
    `conversation` here; tests/unit/ and tests/integration/ (`make test-fast`) nothing served."""
    if CONVERSATION_TESTS in Path(str(item.fspath)).resolve().parents:
        item.add_marker(pytest.mark.conversation)


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config, items):
    """Conversation tests last (stable within each), and the assistants they need starting in
    the background meanwhile, while the others run."""
    items.sort(key=lambda item: item.get_closest_marker("conversation") is not None)
    if config.option.collectonly:
        return
    stores = set()
    for item in items:
        if item.get_closest_marker("conversation"):
            callspec = getattr(item, "callspec", None)
            stores.add(callspec.params.get("store", "memory") if callspec else "memory")
    for store in sorted(stores, key=lambda store: store != "memory"):  # the shared one first
        _assistants[store] = BackgroundAssistant(config._tmp_path_factory.mktemp(f"assistant-{store}"), store)


def pytest_unconfigure(config):
    for assistant in _assistants.values():
        assistant.close()


@pytest.fixture(scope="session")
def assistant() -> RunningAssistant:
    """The assistant every conversation test shares (BackgroundAssistant), up and answering."""
    if "memory" not in _assistants:
        pytest.skip("no conversation test was collected, so no assistant was started")
    return _assistants["memory"].wait()


@pytest.fixture
def assistant_with_store(store):
    """For a test parametrized by `store`: the assistant with that tracker store, and a function
    reading back all the store holds as text (None for the in-process store)."""
    if store not in _assistants:
        pytest.skip(f"no assistant with the {store} tracker store was started")
    background = _assistants[store]
    return background.wait(), background.read_tracker_store


_senders = itertools.count()


@pytest.fixture
def chat(assistant):
    """A new person (a new Slack user id) talking to the assistant."""
    from harness.servers import Chat

    return Chat(assistant.base_url, f"U0CHAT{next(_senders):04d}")
