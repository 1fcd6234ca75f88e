"""Trying to get in, against the real servers: every door that is open checks who calls."""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.rasa_harness import _process, _wait_for, action_server_command, free_port, subprocess_env

TOKEN = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory, configured_database_url):
    workdir = tmp_path_factory.mktemp("action-server")
    port = free_port()
    env = subprocess_env(ACTION_SERVER_TOKEN=TOKEN, DATABASE_URL=configured_database_url)
    with _process(action_server_command(port), workdir / "actions.log", env) as process:
        _wait_for(f"http://127.0.0.1:{port}/health", process, workdir / "actions.log")
        yield port, workdir / "actions.log"


@pytest.fixture(scope="module")
def configured_database_url(tmp_path_factory):
    from tests.rasa_harness import demo_database

    return demo_database(tmp_path_factory.mktemp("db"))


def call(port: int, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{path}" + (f"?token={token}" if token is not None else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def forged_check_status(sender: str) -> dict:
    """What someone on the network would send to read another person's requests."""
    return {"next_action": "action_check_status", "sender_id": sender, "version": "3.6.2",
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": "my requests", "intent": {},
                                                                             "entities": []},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"},
            "domain": {"slots": {}, "responses": {}, "forms": {}}}


def test_the_action_server_refuses_requests_without_its_secret(action_server):
    port, log = action_server
    for token in (None, "", "not-the-secret", TOKEN[:-1]):
        status, body = call(port, "/webhook", forged_check_status("U0WIT00001"), token=token)
        assert status == 401 and "requests" not in body.lower(), token
        assert call(port, "/actions", token=token)[0] == 401
    assert call(port, "/health")[0] == 200  # open, and says only "ok"
    status, body = call(port, "/actions", token=TOKEN)
    assert status == 200 and "action_check_status" in body
    assert "Refused a request to /webhook" in log.read_text()


def test_the_action_server_listens_on_loopback_only(action_server):
    port, _ = action_server
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else
