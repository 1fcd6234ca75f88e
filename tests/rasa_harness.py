"""Runs the real assistant for conversation tests: trains a small model (cached by the
hash of everything that goes into it), starts the action server and the Rasa HTTP server
as subprocesses on free loopback ports, and talks to the REST channel."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import yaml

from bot.core import db
from bot.journeys.registry import import_registry_file

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "test-models"
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
    files = [ROOT / "config.yml", ROOT / "domain.yml",
             *sorted(p for p in (ROOT / "bot" / "nlu").glob("*.py") if p.name != "reader.py")]
    files += sorted((ROOT / "data").rglob("*.yml"))
    return files


def _test_config() -> dict:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"] + config["policies"]:
        if component["name"] in TEST_EPOCHS:
            component["epochs"] = TEST_EPOCHS[component["name"]]
    return config


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    env.update(extra)
    return env


def trained_model() -> Path:
    """A model trained on the project's data with the test config; trained once per change."""
    digest = hashlib.sha256(json.dumps(_test_config(), sort_keys=True).encode())
    for path in _training_inputs():
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    model = CACHE / f"{digest.hexdigest()[:16]}.tar.gz"
    if model.exists():
        return model
    CACHE.mkdir(parents=True, exist_ok=True)
    config_path = CACHE / "config.test.yml"
    config_path.write_text(yaml.safe_dump(_test_config(), sort_keys=False))
    spacy_model = ROOT / "models" / "spacy_en"
    if not (spacy_model / "config.cfg").exists():
        subprocess.run([BIN / "python", "-m", "bot.nlu.spacy_pipeline", str(spacy_model)], cwd=ROOT, check=True,
                       env=subprocess_env(), stdout=subprocess.DEVNULL)
    work = CACHE / "training"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(  # through our launcher, as `make train` does: the same start-up warnings silenced
        [BIN / "python", "-m", "bot.rasa_plumbing.launch", "train", "--config", str(config_path), "--out", str(work),
         "--fixed-model-name", "model", "--quiet"],
        cwd=ROOT, check=True, env=subprocess_env(), stdout=subprocess.DEVNULL,
    )
    for stale in CACHE.glob("*.tar.gz"):
        stale.unlink()
    (work / "model.tar.gz").rename(model)
    return model


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


def _wait_for(url: str, process: subprocess.Popen, log: Path, ready=lambda body: True, timeout: float = 240) -> None:
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
def _process(args: list, log: Path, env: dict):
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
        _wait_for(f"http://127.0.0.1:{self.port}/health", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def running_assistant(model: Path, database_url: str, workdir: Path, extra_env: dict[str, str] | None = None,
                      debug: bool = False, servers: dict | None = None):
    """The action server and the Rasa server, up and answering; yields the Rasa base URL.
    `debug`: both log at DEBUG level (into workdir's actions.log and rasa.log). `servers`, when
    given, receives "actions": an ActionServerControl to stop and restart the action server."""
    # A short rate-limit window, so a test can show the limit recovering.
    env = subprocess_env(**{"DATABASE_URL": database_url, "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
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
        with _process([BIN / "rasa", "run", "--enable-api", f"--auth-token={API_TOKEN}", "--model", str(model),
                       "--endpoints", str(endpoints),
                       "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                       "--port", str(rasa_port), *(["--debug"] if debug else [])], workdir / "rasa.log", env) as rasa:
            base = f"http://127.0.0.1:{rasa_port}"
            _wait_for(f"{base}/status?token={API_TOKEN}", rasa, workdir / "rasa.log",
                      ready=lambda body: bool(json.loads(body).get("model_file")))
            yield base
    finally:
        actions.stop()


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
