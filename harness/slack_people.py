"""People in a Slack workspace talking to a running assistant: Events API requests signed as
Slack signs them, button clicks and form submissions, and what the assistant answered them
(read from the Slack double)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from harness.servers import RunningAssistant
from harness.slack_double import SIGNING_SECRET, SlackDouble, SocketModeDouble, signed_by_slack


def new_event_id() -> str:
    """Unique across the run: every test sends to the one shared server, which drops an event id
    it has seen as a retry (a counter would restart wherever this module is imported again)."""
    return f"Ev{uuid.uuid4().hex[:12].upper()}"


@dataclass
class SlackWorkspace:
    assistant: RunningAssistant
    slack: SlackDouble
    socket: SocketModeDouble

    @property
    def webhook(self) -> str:
        return f"{self.assistant.base_url}/webhooks/slack/webhook"


def post_signed(url: str, body: bytes, content_type: str, *, secret: str = SIGNING_SECRET,
                timestamp: int | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": content_type, **signed_by_slack(secret, body, timestamp), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def dm_event(user: str, text: str, event_id: str | None = None, **extra) -> dict:
    return {"type": "event_callback", "team_id": "T0TEST0001", "api_app_id": "A0TEST0001",
            "event_id": event_id or new_event_id(), "event_time": int(time.time()),
            "event": {"type": "message", "channel_type": "im", "channel": "D" + user[1:], "user": user,
                      "text": text, "ts": f"{time.time():.6f}", **extra}}


class SlackPerson:
    """Someone in the workspace DMing the assistant over the Events API."""

    def __init__(self, workspace: SlackWorkspace, user: str):
        self.workspace, self.user, self.dm = workspace, user, "D" + user[1:]

    def replies(self) -> list[dict]:
        return [c for c in self.workspace.slack.calls_to("chat.postMessage") if c["channel"] == self.dm]

    def _await_replies(self, before: int) -> list[dict]:
        self.workspace.slack.wait_for("chat.postMessage", count=1, timeout=60,
                                      predicate=lambda c: c["channel"] == self.dm and len(self.replies()) > before)
        settled = -1
        while settled != len(self.replies()):  # a turn may answer with several messages
            settled = len(self.replies())
            time.sleep(0.7)
        return self.replies()[before:]

    def say(self, text: str) -> str:
        before = len(self.replies())
        status, _ = post_signed(self.workspace.webhook, json.dumps(dm_event(self.user, text)).encode(),
                                "application/json")
        assert status == 200
        return "\n".join(m.get("text", "") for m in self._await_replies(before))

    def press(self, title: str) -> str:
        """Click a button of the assistant's latest message that has buttons."""
        message = next(m for m in reversed(self.replies()) if m.get("blocks") and any(
            b["type"] == "actions" for b in m["blocks"]))
        button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["text"]["text"] == title)
        ts = next(c.response["body"]["ts"] for c in self.workspace.slack.calls if c.args is message)
        before = len(self.replies())
        click(self.workspace, self.user, button["action_id"], button["value"], self.dm,
              message={"ts": ts, "text": message["text"], "blocks": message["blocks"]}, label=title)
        return "\n".join(m.get("text", "") for m in self._await_replies(before))


def click_payload(user: str, action_id: str, value: str, channel: str, message: dict | None = None,
                  label: str = "") -> dict:
    return {"type": "block_actions", "user": {"id": user}, "trigger_id": "123.456",
            "container": {"type": "message", "channel_id": channel},
            "channel": {"id": channel}, "message": message,
            "actions": [{"action_id": action_id, "value": value, "type": "button",
                         "text": {"type": "plain_text", "text": label or value}}]}


def click(workspace: SlackWorkspace, user: str, action_id: str, value: str, channel: str,
          message: dict | None = None, label: str = "") -> int:
    payload = click_payload(user, action_id, value, channel, message, label)
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    status, _ = post_signed(workspace.webhook, body, "application/x-www-form-urlencoded")
    return status
