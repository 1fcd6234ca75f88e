"""Test doubles of Slack, used through the real slack_sdk clients.

`SlackDouble` is a local HTTP server that answers the Slack Web API methods this bot calls
(point `WebClient` / `AsyncWebClient` at it with `base_url=slack.base_url`). It keeps the
state those methods change (posted messages, channels and their members), records every
call for assertions, and can be told to fail the next calls of a method (rate limits with
Retry-After, 5xx, Slack error codes) so retry and error paths run through slack_sdk's own
code instead of a mock of it.

`SocketModeDouble` is a local Socket Mode WebSocket server: it greets a client with `hello`,
lets a test push envelopes (events, interactions, slash commands) and records the acks.
Wire it with `slack.socket_url = socket.url`, so `apps.connections.open` hands the client
its URL, as Slack does.

    with SlackDouble() as slack, SocketModeDouble() as socket:
        slack.socket_url = socket.url
        ...

Both run in daemon threads on 127.0.0.1 with a free port, so tests can run in parallel.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import socket as socketlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

# The signing secret the servers the tests start check Slack requests with.
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER_ID = "UBOT000001"
BOT_ID = "BBOT000001"
TEAM_ID = "T0TEST0001"
APP_ID = "A0TEST0001"

# Fields Slack takes as JSON; sent in a form body they arrive as a JSON string.
_JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


@dataclass
class Call:
    method: str
    args: dict
    headers: dict
    # What the double answered (status and body), to debug a failing assertion.
    response: dict | None = None


@dataclass
class Channel:
    id: str
    name: str
    private: bool = False
    members: set = field(default_factory=set)  # human members; the bot is `bot_is_member`
    bot_is_member: bool = True


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None


class _SlackError(Exception):
    def __init__(self, error: str, **extra: Any):
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}


def signed_by_slack(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request to an app with (v0 HMAC-SHA256 of "v0:timestamp:body")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(signing_secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def _truthy(value: Any) -> bool:
    # slack_sdk turns bools into "1"/"0" in form bodies; JSON bodies keep them as bools.
    return value is True or str(value).lower() in ("1", "true")


def _split_users(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [u.strip() for u in str(value or "").split(",") if u.strip()]


def _wait(check: Callable[[], Any], timeout: float, describe: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(describe())
        time.sleep(0.02)


async def _wait_async(check: Callable[[], Any], timeout: float, describe: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(describe())
        await asyncio.sleep(0.02)


class SlackDouble:
    """A Slack Web API double. Scripted failures come first (they stand for Slack's
    infrastructure), then the token check, then the method's answer."""

    def __init__(self, token: str = "xoxb-test", app_token: str = "xapp-test"):
        self.token = token
        self.app_token = app_token
        self.socket_url: str | None = None
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict] = {}
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._lock = threading.RLock()
        self._ts = itertools.count(1_700_000_000_000_100, 100)  # microseconds, as "s.uuuuuu"
        self._new_channel_numbers = itertools.count(1)
        self._view_numbers = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> "SlackDouble":
        if self._server is not None:
            return self
        double = self

        class Handler(_Handler):
            slack = double

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True  # a hung client must not keep the test run alive
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="SlackDouble", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "SlackDouble":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "SlackDouble is not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # ---- set-up ----------------------------------------------------------------------
    def add_channel(self, id: str, name: str, *, private: bool = False, members: Iterable[str] = (),
                    bot_is_member: bool = True) -> Channel:
        with self._lock:
            channel = Channel(id=id, name=name, private=private, members=set(members), bot_is_member=bot_is_member)
            self.channels[id] = channel
            return channel

    def add_user(self, id: str, name: str, *, real_name: str | None = None, is_bot: bool = False,
                 deleted: bool = False) -> None:
        with self._lock:
            self.users[id] = {"name": name, "real_name": real_name or name, "is_bot": is_bot, "deleted": deleted}

    def fail(self, method: str, *, error: str | None = None, status: int = 200,
             retry_after: int | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail. A 429 always carries Retry-After
        (1 s unless given), as Slack's do."""
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.setdefault(method, []).extend(_Failure(error, status, retry_after) for _ in range(times))

    # ---- assertions ------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [c.args for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def _matching(self, method: str, count: int, predicate: Callable[[dict], bool] | None):
        def check():
            found = [a for a in self.calls_to(method) if predicate is None or predicate(a)]
            return found if len(found) >= count else None

        def describe():
            with self._lock:
                seen = [c.method for c in self.calls]
            return f"expected {count} call(s) to {method}; recorded calls: {seen}"
        return check, describe

    def wait_for(self, method: str, count: int = 1, timeout: float = 10,
                 predicate: Callable[[dict], bool] | None = None) -> list[dict]:
        """The args of the calls to `method` (matching `predicate`), once there are `count`."""
        check, describe = self._matching(method, count, predicate)
        return _wait(check, timeout, describe)

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 10,
                             predicate: Callable[[dict], bool] | None = None) -> list[dict]:
        """`wait_for` for a coroutine: it yields to the event loop that makes the calls."""
        check, describe = self._matching(method, count, predicate)
        return await _wait_async(check, timeout, describe)

    # ---- request handling (called by the HTTP handler threads) -----------------------
    def _handle(self, method: str, args: dict, headers: dict) -> tuple[int, dict, dict]:
        """Returns (status, extra headers, body)."""
        with self._lock:  # one call at a time: state changes and the record stay consistent
            status, extra, body = self._answer(method, args, headers)
            self.calls.append(Call(method, args, headers, {"status": status, "body": body}))
            return status, extra, body

    def _answer(self, method: str, args: dict, headers: dict) -> tuple[int, dict, dict]:
        queued = self._failures.get(method)
        if queued:
            failure = queued.pop(0)
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, extra, {"ok": False, "error": failure.error}

        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else args.pop("token", None)
        args.pop("token", None)  # Slack also takes the token as a parameter; it is not an argument
        expected = self.app_token if method == "apps.connections.open" else self.token
        if token != expected:
            # A real token of the other kind is refused with a different error, as Slack does.
            known = token in (self.token, self.app_token)
            return 200, {}, {"ok": False, "error": "not_allowed_token_type" if known else "invalid_auth"}

        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        try:
            body = handler(args) if handler else {}
        except _SlackError as e:
            return 200, {}, e.body
        return 200, {}, {"ok": True, **body}

    def _next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve_channel(self, channel: Any) -> str:
        channel = str(channel or "")
        if not channel:
            raise _SlackError("channel_not_found")
        if channel[0] in "UW":  # posting to a user id goes to the DM Slack opens with them
            return "D" + channel[1:]
        name = channel.lstrip("#")
        for c in self.channels.values():
            if c.name == name and c.id != channel:
                return c.id
        return channel

    def _channel(self, args: dict) -> Channel:
        channel = self.channels.get(self._resolve_channel(args.get("channel")))
        if channel is None:
            raise _SlackError("channel_not_found")
        return channel

    @staticmethod
    def _channel_json(c: Channel) -> dict:
        return {"id": c.id, "name": c.name, "is_channel": True, "is_private": c.private,
                "is_member": c.bot_is_member, "num_members": len(c.members) + int(c.bot_is_member)}

    # ---- methods ---------------------------------------------------------------------
    def _m_auth_test(self, args):
        return {"url": "https://test.slack.com/", "team": "Test Team", "user": "communitybot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}

    def _m_apps_connections_open(self, args):
        if not self.socket_url:
            raise _SlackError("invalid_auth")
        return {"url": self.socket_url}

    def _m_chat_postMessage(self, args):
        channel = self._resolve_channel(args.get("channel"))
        known = self.channels.get(channel)
        if known is not None and not known.bot_is_member:
            raise _SlackError("not_in_channel")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        ts = self._next_ts()
        self.messages[(channel, ts)] = {"text": args.get("text"), "blocks": args.get("blocks")}
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
                   "text": args.get("text"), "blocks": args.get("blocks")}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return {"channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, args):
        channel, ts = self._resolve_channel(args.get("channel")), str(args.get("ts") or "")
        stored = self.messages.get((channel, ts))
        if stored is None:
            raise _SlackError("message_not_found")
        for key in ("text", "blocks"):  # what is left out keeps its value, as in Slack
            if key in args:
                stored[key] = args[key]
        return {"channel": channel, "ts": ts, "text": stored["text"],
                "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, **stored}}

    def _m_chat_postEphemeral(self, args):
        self._resolve_channel(args.get("channel"))
        return {"message_ts": self._next_ts()}

    def _m_conversations_open(self, args):
        if args.get("channel"):
            return {"channel": {"id": str(args["channel"])}}
        users = _split_users(args.get("users"))
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) == 1:
            return {"channel": {"id": "D" + users[0][1:]}}
        return {"channel": {"id": "G" + "".join(sorted(u[1:5] for u in users))}}  # a group DM

    def _m_conversations_info(self, args):
        return {"channel": self._channel_json(self._channel(args))}

    def _m_conversations_members(self, args):
        c = self._channel(args)
        members = sorted(c.members) + ([BOT_USER_ID] if c.bot_is_member else [])
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_invite(self, args):
        c = self._channel(args)
        users = _split_users(args.get("users"))
        if not users:
            raise _SlackError("no_user")
        if not c.bot_is_member:
            # As Slack does: a private channel the bot is not in does not exist, for the bot.
            raise _SlackError("channel_not_found" if c.private else "not_in_channel")
        if BOT_USER_ID in users:
            raise _SlackError("cant_invite_self")
        if any(u in c.members for u in users):
            raise _SlackError("already_in_channel")
        c.members.update(users)
        return {"channel": self._channel_json(c)}

    def _m_conversations_join(self, args):
        c = self._channel(args)
        if c.private:
            raise _SlackError("method_not_supported_for_channel_type")
        already = c.bot_is_member
        c.bot_is_member = True
        return {"channel": self._channel_json(c), **({"warning": "already_in_channel"} if already else {})}

    def _m_conversations_create(self, args):
        name = str(args.get("name") or "")
        if not name:
            raise _SlackError("invalid_name_required")
        if len(name) > 80:
            raise _SlackError("invalid_name_maxlength")
        if not re.fullmatch(r"[a-z0-9_\-\u00c0-\uffff]+", name):
            raise _SlackError("invalid_name_specials")  # spaces, dots, upper case...
        if any(c.name == name for c in self.channels.values()):
            raise _SlackError("name_taken")
        id = f"C0NEW{next(self._new_channel_numbers):05d}"
        c = self.add_channel(id, name, private=_truthy(args.get("is_private")), bot_is_member=True)
        return {"channel": self._channel_json(c)}

    def _view(self, args, view_id: str | None = None) -> dict:
        view = args.get("view")
        if not isinstance(view, dict):
            raise _SlackError("invalid_arguments")
        view_id = view_id or f"V0TEST{next(self._view_numbers):04d}"
        return {"view": {"id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID,
                         "hash": uuid.uuid4().hex[:16], **view}}

    def _m_views_publish(self, args):
        return self._view(args)

    def _m_views_open(self, args):
        return self._view(args)

    def _m_views_push(self, args):
        return self._view(args)

    def _m_views_update(self, args):
        return self._view(args, view_id=args.get("view_id"))

    def _m_users_info(self, args):
        user = str(args.get("user") or "")
        if not user:
            raise _SlackError("user_not_found")
        known = self.users.get(user) or {"name": "user_" + user.lower(), "real_name": "User " + user,
                                         "is_bot": False, "deleted": False}
        return {"user": {"id": user, "team_id": TEAM_ID, **known,
                         "profile": {"real_name": known["real_name"], "display_name": known["name"]}}}


class _Handler(BaseHTTPRequestHandler):
    slack: SlackDouble  # set on the subclass built by SlackDouble.start

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass

    def _serve(self) -> None:
        url = urlsplit(self.path)
        prefix = "/api/"
        if not url.path.startswith(prefix):
            self._send(404, {}, {"ok": False, "error": "unknown_method"})
            return
        method = url.path[len(prefix):]
        # AsyncWebClient sends `params` as a query string even on POST; take both.
        args: dict = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            args.update(self._body())
        except ValueError:
            self._send(200, {}, {"ok": False, "error": "invalid_json"})
            return
        for key in _JSON_FIELDS:
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass  # Slack would say invalid_blocks etc.; keep what was sent for the assertion
        status, extra, body = self.slack._handle(method, args, dict(self.headers.items()))
        self._send(status, extra, body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        ctype = (self.headers.get("Content-Type") or "").lower()
        if ctype.startswith("application/json"):
            body = json.loads(raw.decode("utf-8"))
            return body if isinstance(body, dict) else {}
        if ctype.startswith("multipart/form-data"):  # WebClient's `data=`/file uploads
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw)
            out = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                out[name] = payload if part.get_filename() else payload.decode("utf-8")
            return out
        return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}

    def _send(self, status: int, extra: dict, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class SocketModeDouble:
    """A Slack Socket Mode server: `hello` on connect, envelopes out, acks in."""

    def __init__(self, app_id: str = APP_ID):
        self.app_id = app_id
        self.acks: list[dict] = []       # received messages that carry an envelope_id
        self.received: list[dict] = []   # every JSON message the client sent
        self.connections_made = 0
        self._connections: list[web.WebSocketResponse] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sock: socketlib.socket | None = None

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> "SocketModeDouble":
        if self._thread is not None:
            return self
        # Bind first, so the port (and url) are known before the loop runs.
        self._sock = socketlib.socket(socketlib.AF_INET, socketlib.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve())
            except BaseException as e:  # reported to start() instead of dying silently
                errors.append(e)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="SocketModeDouble", daemon=True)
        self._thread.start()
        if not ready.wait(10) or errors:
            raise RuntimeError(f"SocketModeDouble did not start: {errors}")
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._ws_handler)
        self._runner = web.AppRunner(app, shutdown_timeout=1, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    def stop(self) -> None:
        if self._thread is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            for ws in list(self._connections):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
            await self._runner.cleanup()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=5)
            self._thread = self._loop = self._runner = None
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "SocketModeDouble":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._sock is not None, "SocketModeDouble is not started"
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    # ---- the connection --------------------------------------------------------------
    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)  # answers the client's pings
        await ws.prepare(request)
        with self._lock:
            self._connections.append(ws)
            self.connections_made += 1
            count = len(self._connections)
        await ws.send_json({"type": "hello", "num_connections": count, "debug_info": {"host": "local"},
                            "connection_info": {"app_id": self.app_id}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                with self._lock:
                    self.received.append(data)
                    if isinstance(data, dict) and "envelope_id" in data:
                        self.acks.append(data)
        finally:
            with self._lock:
                if ws in self._connections:
                    self._connections.remove(ws)
        return ws

    @property
    def connected(self) -> bool:
        with self._lock:
            return bool(self._connections)

    def wait_connected(self, timeout: float = 10) -> None:
        _wait(lambda: self.connected, timeout, lambda: "no Socket Mode client connected")

    async def wait_connected_async(self, timeout: float = 10) -> None:
        await _wait_async(lambda: self.connected, timeout, lambda: "no Socket Mode client connected")

    def send(self, message: dict, timeout: float = 5) -> None:
        """Send a raw message (e.g. {"type": "disconnect", "reason": "refresh_requested"}) to the
        latest connection. Thread-safe: runs on the server's loop."""
        with self._lock:
            if not self._connections:
                raise AssertionError("no Socket Mode client connected")
            ws = self._connections[-1]
        asyncio.run_coroutine_threadsafe(ws.send_str(json.dumps(message)), self._loop).result(timeout)

    def send_envelope(self, payload: dict, *, type: str = "events_api", envelope_id: str | None = None,
                      retry_attempt: int = 0) -> str:
        envelope_id = envelope_id or str(uuid.uuid4())
        self.send({"envelope_id": envelope_id, "type": type, "payload": payload,
                   "accepts_response_payload": False, "retry_attempt": retry_attempt, "retry_reason": ""})
        return envelope_id

    def _ack(self, envelope_id: str):
        with self._lock:
            return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict:
        return _wait(lambda: self._ack(envelope_id), timeout, lambda: f"no ack for {envelope_id}; acks: {self.acks}")

    async def wait_for_ack_async(self, envelope_id: str, timeout: float = 10) -> dict:
        """`wait_for_ack` for a coroutine: it yields to the event loop that sends the ack."""
        return await _wait_async(lambda: self._ack(envelope_id), timeout,
                                 lambda: f"no ack for {envelope_id}; acks: {self.acks}")
