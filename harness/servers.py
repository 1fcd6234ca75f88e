"""Runs the real assistant for conversation tests: trains a small model (cached by the
hash of everything that goes into it), starts the action server and the Rasa HTTP server
as subprocesses on free loopback ports, and talks to the REST channel."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.core import db
from bot.journeys.registry import import_registry_file

ROOT = Path(__file__).resolve().parent.parent
# Trained test models, by the hash of what goes into them, kept per user rather than per checkout:
# every clone and worktree of the same content on this machine (CI's clean checkout included)
# takes the same model instead of training its own for ten minutes. TEST_MODEL_CACHE moves it.
CACHE = Path(os.environ.get("TEST_MODEL_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "community-groups-assistant" / "test-models")
# Models kept: the newest few, so switching between branches doesn't retrain.
KEEP_MODELS = 4
BIN = Path(sys.executable).parent
# The HTTP API's token for the servers the tests start (the API is never open without one).
API_TOKEN = secrets.token_urlsafe(16)
# Messages per person per window (seconds) for the servers the tests start.
RATE_LIMIT = (25, 10)
# Fewer epochs than config.yml: enough for stable answers in tests, about half the training time.
TEST_EPOCHS = {"DIETClassifier": 30, "TEDPolicy": 40}


def _training_inputs() -> list[Path]:
    # Our own NLU components and spaCy pipeline (bot/nlu/): a change to one changes the model.
    # (The reader of replies lives there too but is read by the actions, not trained: not an input.)
    # The pinned dependencies too: another Rasa or TensorFlow trains another model.
    files = [ROOT / "config.yml", ROOT / "domain.yml", ROOT / "constraints.txt", ROOT / "requirements-model.txt",
             *sorted(p for p in (ROOT / "bot" / "nlu").glob("*.py") if p.name != "reader.py")]
    files += sorted((ROOT / "data").rglob("*.yml"))
    return files


def _test_config() -> dict:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"] + config["policies"]:
        if component["name"] in TEST_EPOCHS:
            component["epochs"] = TEST_EPOCHS[component["name"]]
    return config


def subprocess_env(base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment for a server or a training: `base` (a snapshot taken on the main thread,
    when called from another: tests change os.environ meanwhile) or this process's own."""
    # Unbuffered: a log read while the server runs (the canary's search) holds every line written.
    env = {**(base if base is not None else os.environ), "PYTHONUNBUFFERED": "1", "RASA_TELEMETRY_ENABLED": "false",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    env.update(extra)
    return env


def trained_model(base_env: dict[str, str] | None = None) -> Path:
    """A model trained on the project's data with the test config: trained once per content,
    whichever checkout asks. One lock for the whole cache: a second run waits for the first's
    training, and no run removes a model while another is choosing or training one."""
    digest = hashlib.sha256(json.dumps(_test_config(), sort_keys=True).encode())
    for path in _training_inputs():
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    model = CACHE / f"{digest.hexdigest()[:16]}.tar.gz"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_spacy_pipeline(base_env)  # config.yml loads it from this checkout, cached model or not
        if not model.exists():
            _train(model, base_env)
        os.utime(model)  # most recently used: kept
        for stale in sorted(CACHE.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_MODELS:]:
            stale.unlink(missing_ok=True)
    return model


def _ensure_spacy_pipeline(base_env: dict[str, str] | None) -> None:
    spacy_model = ROOT / "models" / "spacy_en"
    if not (spacy_model / "config.cfg").exists():
        subprocess.run([BIN / "python", "-m", "bot.nlu.spacy_pipeline", str(spacy_model)], cwd=ROOT, check=True,
                       env=subprocess_env(base_env), stdout=subprocess.DEVNULL)


def _train(model: Path, base_env: dict[str, str] | None) -> None:
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="training-") as work:
        config_path = Path(work) / "config.test.yml"
        config_path.write_text(yaml.safe_dump(_test_config(), sort_keys=False))
        subprocess.run(  # through our launcher, as `make train` does: the same start-up warnings silenced
            [BIN / "python", "-m", "bot.rasa_plumbing.launch", "train", "--config", str(config_path), "--out", work,
             "--fixed-model-name", "model", "--quiet"],
            cwd=ROOT, check=True, env=subprocess_env(base_env), stdout=subprocess.DEVNULL,
        )
        (Path(work) / "model.tar.gz").rename(model)  # whole or not at all


def demo_database(workdir: Path) -> str:
    """A fresh SQLite database in `workdir`, migrated, holding the demo registry; its URL."""
    url = f"sqlite:///{workdir / 'bot.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    import_registry_file(ROOT / "registry" / "demo.yml", db.uow_factory(engine)())
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, ready=lambda body: True, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if ready(response.read()):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def run_process(args: list, log: Path, env: dict):
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


TRACKER_STORE = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]["type"]


def action_server_command(port: int, debug: bool = False) -> list:
    if debug:  # the root logger at DEBUG before the server configures logging (which then keeps it)
        return [BIN / "python", "-c", "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
                "from bot.rasa_plumbing.action_server import main; sys.exit(main(sys.argv[1:]))", "--port", str(port)]
    return [BIN / "python", "-m", "bot.rasa_plumbing.action_server", "--port", str(port)]


class ActionServerControl:
    """Stops and starts the running assistant's action server (fault tests: a message
    while it is down, then the conversation carrying on once it is back)."""

    def __init__(self, port: int, env: dict, log: Path, debug: bool):
        self.port, self.env, self.log, self.debug = port, env, log, debug
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(action_server_command(self.port, self.debug), cwd=ROOT, env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{self.port}/health", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def running_assistant(model: Path, database_url: str, workdir: Path, extra_env: dict[str, str] | None = None,
                      debug: bool = False, servers: dict | None = None, base_env: dict[str, str] | None = None):
    """The action server and the Rasa server, up and answering; yields the Rasa base URL.
    `debug`: both log at DEBUG level (into workdir's actions.log and rasa.log). `servers`, when
    given, receives "actions": an ActionServerControl to stop and restart the action server."""
    # A short rate-limit window, so a test can show the limit recovering.
    env = subprocess_env(base_env, **{"DATABASE_URL": database_url, "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
                                      "RATE_LIMIT_MESSAGES": str(RATE_LIMIT[0]), "RATE_LIMIT_SECONDS": str(RATE_LIMIT[1]),
                                      **(extra_env or {})})
    actions_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    # The project's own tracker store (endpoints.yml): TRACKER_STORE_URL picks it, and it redacts.
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook",
                                                             "token": env["ACTION_SERVER_TOKEN"]},
                                         "tracker_store": {"type": TRACKER_STORE}}))
    actions = ActionServerControl(actions_port, env, workdir / "actions.log", debug)
    if servers is not None:
        servers["actions"] = actions
    actions.start()
    try:
        with run_process([BIN / "rasa", "run", "--enable-api", f"--auth-token={API_TOKEN}", "--model", str(model),
                          "--endpoints", str(endpoints),
                          "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                          "--port", str(rasa_port), *(["--debug"] if debug else [])], workdir / "rasa.log", env) as rasa:
            base = f"http://127.0.0.1:{rasa_port}"
            wait_until_up(f"{base}/status?token={API_TOKEN}", rasa, workdir / "rasa.log",
                          ready=lambda body: bool(json.loads(body).get("model_file")))
            yield base
    finally:
        actions.stop()


@contextmanager
def tracker_store(kind: str, workdir: Path):
    """A fresh tracker store of `kind` ("memory", "sql": PostgreSQL when TEST_DATABASE_URL is set,
    else SQLite; "redis") as (its TRACKER_STORE_URL, a function reading back all it holds as text);
    (None, None) for the in-process store."""
    if kind == "memory":
        yield None, None
        return
    if kind == "sql":
        server = os.environ.get("TEST_DATABASE_URL")
        if not server:
            url = f"sqlite:///{workdir / 'tracker.db'}"
            yield url, lambda: dump_database(url)
            return
        name = "tracker_" + secrets.token_hex(4)
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
        try:
            yield url, lambda: dump_database(url)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=7)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    try:
        yield "redis://127.0.0.1:6379/7", lambda: "\n".join(
            f"{key!r} {client.get(key)!r}" for key in client.keys("*"))
    finally:
        client.flushdb()


def dump_database(url: str) -> str:
    """Every row of every table, as text."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return "\n".join(f"{table.name}: {row!r}" for table in metadata.sorted_tables
                             for row in connection.execute(table.select()))
    finally:
        engine.dispose()


@dataclass
class RunningAssistant:
    base_url: str
    database_url: str
    # The shared assistant's Slack side and logs (None for an assistant started without them).
    slack: Any = None
    socket: Any = None
    workdir: Path | None = None
    actions: Any = None  # its action server, to stop and start (fault tests)
    _units: Any = field(default=None, repr=False)
    _lock: Any = field(default_factory=threading.Lock, repr=False)

    def uow(self) -> db.UnitOfWork:
        """A unit of work on the assistant's database (one engine per assistant, made on first
        use; the evaluation's players ask from several threads)."""
        with self._lock:
            if self._units is None:
                self._engine = db.make_engine(self.database_url)
                self._units = db.uow_factory(self._engine)
            return self._units()

    def dispose(self) -> None:
        if self._units is not None:
            self._engine.dispose()
            self._units = None


def post_rest(base_url: str, sender: str, text: str) -> tuple[int, list]:
    """One message over the REST channel: the HTTP status and the replies (none when refused)."""
    request = urllib.request.Request(f"{base_url}/webhooks/rest/webhook", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": sender, "message": text}).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, []


class Chat:
    """One person talking to the assistant over the REST channel."""

    def __init__(self, base_url: str, sender: str):
        # `sender` is what the client sends; the conversation (and every record) is the
        # REST channel's namespaced id, which can never be a Slack user's.
        self.base_url, self.user = base_url, sender
        self.sender = "rest:" + sender

    def say(self, text: str) -> list[dict]:
        body = json.dumps({"sender": self.user, "message": text}).encode()
        request = urllib.request.Request(f"{self.base_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def text_of(self, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text))

    def parse(self, text: str) -> dict:
        request = urllib.request.Request(f"{self.base_url}/model/parse?token={API_TOKEN}",
                                         data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def tracker(self) -> dict:
        """This conversation as Rasa's tracker store keeps it (through the token-checked API)."""
        with urllib.request.urlopen(f"{self.base_url}/conversations/{self.sender}/tracker?token={API_TOKEN}",
                                    timeout=30) as response:
            return json.loads(response.read())
