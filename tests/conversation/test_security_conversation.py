"""Trying to get in, against the real servers: every door that is open checks who calls.
(The doors checked in-process, without the servers: tests/integration/test_security.py.)"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.servers import post_rest


@pytest.fixture(scope="module")
def action_server(assistant):
    """The shared assistant's action server: its port, its secret and its log."""
    actions = assistant.actions
    return actions.port, actions.env["ACTION_SERVER_TOKEN"], actions.log


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
    port, secret, log = action_server
    for token in (None, "", "not-the-secret", secret[:-1]):
        status, body = call(port, "/webhook", forged_check_status("U0WIT00001"), token=token)
        assert status == 401 and "requests" not in body.lower(), token
        assert call(port, "/actions", token=token)[0] == 401
    assert call(port, "/health")[0] == 200  # open, and says only "ok"
    status, body = call(port, "/actions", token=secret)
    assert status == 200 and "action_check_status" in body
    assert "Refused a request to /webhook" in log.read_text()


def test_an_action_that_fails_on_a_message_said_in_confidence_reports_nothing_of_it(action_server, assistant):
    """Rasa SDK answers a failed action with the whole request (for Rasa to log); a message said
    in confidence is opened in that request. The answer and the log carry neither."""
    from bot.core.constants import SEALED
    from harness.records import environment_cipher

    port, secret, log = action_server
    said = "the Pademelonquill thing at the offsite"
    call_ = forged_check_status("U0SEALED01")
    call_["next_action"], call_["domain"] = "validate_raise_issue_form", None  # with no domain: it fails
    call_["tracker"]["latest_message"] = {"text": "[confidential text removed]", "intent": {}, "entities": [],
                                          "metadata": {SEALED: environment_cipher().seal(said)}}
    status, body = call(port, "/webhook", call_, token=secret)
    assert status == 500 and "Pademelonquill" not in body and "request_body" not in body
    assert "not shown: it was handling a message said in confidence" in log.read_text()
    assert "Pademelonquill" not in log.read_text()


def test_the_action_server_listens_on_loopback_only(action_server):
    port, _, _ = action_server
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else


# ---------------------------------------------------------------- the REST channel and the HTTP API

def said(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_a_rest_client_naming_a_slack_user_cannot_read_or_write_their_requests(assistant):
    from bot.journeys.invite_request import request_invite
    from bot.journeys.join_group import join_open_group
    from harness.records import rows
    from bot.core.models import Membership

    victim = "U0VICTIM01"
    secret = request_invite(victim, "lgbtq-network", criteria_confirmed=True, note=None, uow=assistant.uow()).reference
    join_open_group(victim, "climate-action", assistant.uow())
    status, replies = post_rest(assistant.base_url, victim, "my requests")
    assert status == 200 and secret not in said(replies) and "LGBTQ" not in said(replies)
    status, replies = post_rest(assistant.base_url, victim, f"what's the status of {secret}?")
    assert "couldn't find" in said(replies) and "LGBTQ" not in said(replies) and "waiting" not in said(replies)
    post_rest(assistant.base_url, victim, "I'd like to join Parents and Carers")
    members = {m.slack_user_id for m in rows(assistant, Membership)}
    assert "rest:" + victim in members  # what REST did is the REST sender's own
    assert len([m for m in rows(assistant, Membership) if m.slack_user_id == victim]) == 1  # only the one above


def test_the_http_api_needs_its_token(assistant, chat):
    from harness.servers import API_TOKEN

    chat.say("hello")
    base = assistant.base_url
    attempts = [("GET", f"/conversations/{chat.sender}/tracker", None),
                ("GET", f"/conversations/{chat.user}/tracker", None),
                ("POST", f"/conversations/{chat.sender}/tracker/events", {"event": "slot", "name": "group",
                                                                           "value": "x"}),
                ("POST", f"/conversations/{chat.sender}/trigger_intent", {"name": "greet"}),
                ("POST", "/model/parse", {"text": "hi"}), ("PUT", "/model", {"model_file": "/tmp/x.tar.gz"}),
                ("GET", "/status", None), ("GET", "/domain", None)]
    got_in = []
    for method, path, body in attempts:
        for token in ("", "?token=wrong"):
            request = urllib.request.Request(base + path + token, method=method,
                                             data=json.dumps(body).encode() if body else None,
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=30)
                got_in.append((method, path, token))
            except urllib.error.HTTPError as refused:
                assert refused.code in (401, 403), (method, path, refused.code)
    assert got_in == []
    assert chat.tracker()["sender_id"] == chat.sender  # with the token, it answers
    with urllib.request.urlopen(f"{base}/status?token={API_TOKEN}", timeout=30) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("size", [3_001, 4_000, 40_000, 1_000_000])
def test_a_message_over_the_limit_gets_a_polite_answer_and_the_conversation_goes_on(chat, size):
    status, replies = post_rest(chat.base_url, chat.user, ("I want to join Women in Tech. " * 40_000)[:size])
    assert status == 200 and "That's a very long message" in said(replies)
    assert "*Parents and Carers*" in chat.text_of("is there a group for parents?")


def test_a_request_body_over_the_cap_is_refused_before_anything_reads_it(chat):
    import http.client
    from urllib.parse import urlsplit

    # Only the headers are sent: the refusal must come from the declared size, before any body
    # is read. (Sending the 3 MB too raced the refusal: the server may close while it is sent.)
    address = urlsplit(chat.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.putrequest("POST", "/webhooks/rest/webhook")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(3_000_000))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()
    assert "*Parents and Carers*" in chat.text_of("is there a group for parents?")


def test_the_rate_limit_answers_once_drops_the_rest_and_recovers(chat):
    import time

    from harness.servers import RATE_LIMIT

    messages, seconds = RATE_LIMIT
    started = time.monotonic()
    for n in range(messages):
        assert post_rest(chat.base_url, chat.user, "hello")[1], n  # answered
    assert time.monotonic() - started < seconds, "too slow to reach the limit inside one window"
    assert "faster than I can read them" in said(post_rest(chat.base_url, chat.user, "hello")[1])
    assert post_rest(chat.base_url, chat.user, "is there a group for parents?")[1] == []  # dropped, silently
    time.sleep(seconds + 0.5)
    assert "*Parents and Carers*" in chat.text_of("is there a group for parents?")


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook/", "/webhooks/rest/webhook//", "/webhooks/rest/webhook?x=1"])
def test_the_rest_bounds_hold_whatever_the_path_looks_like(chat, path):
    request = urllib.request.Request(chat.base_url + path, headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": chat.user, "message": "x" * 10_000}).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert "That's a very long message" in said(json.loads(answer.read()))
    except urllib.error.HTTPError as refused:
        assert refused.code == 404


@pytest.mark.parametrize("content_type, body, code", [
    ("text/plain", {"sender": "U0PAGE0001", "message": "my requests"}, 415),  # what a web page can send
    ("application/json", {"message": "my requests"}, 400),
    ("application/json", {"sender": None, "message": "hi"}, 400),
    ("application/json", ["U0LIST0001", "hi"], 400),
])
def test_rest_takes_json_with_a_sender_and_a_text_only(chat, content_type, body, code):
    request = urllib.request.Request(f"{chat.base_url}/webhooks/rest/webhook", headers={"Content-Type": content_type},
                                     data=json.dumps(body).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == code
