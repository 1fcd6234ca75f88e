"""`python -m bot.rasa_plumbing.action_server`: the action server, closed by default.

Rasa SDK's own server listens on every interface and runs whatever tracker it is sent, so
anyone reaching its port could act as anyone. This one is the same app, bound to loopback
(ACTION_SERVER_HOST to change it) and refusing every request that doesn't carry the shared
secret Rasa sends (ACTION_SERVER_TOKEN; endpoints.yml passes it as `?token=`). /health stays
open and says only "ok".

A message said in confidence (bot.rasa_plumbing.confidential) arrives sealed: it is opened
here, in memory, as the latest message's text for the actions of this turn, and goes no further.

It refuses to start against a shared database without CASE_ENCRYPTION_KEY, and runs the
housekeeping (bot.journeys.housekeeping) every hour."""
from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import sys
import warnings
import zlib

from sanic import Sanic, response

from bot.core.constants import SEAL_MAX_AGE_SECONDS, SEALED
from bot.core.crypto import Cipher

log = logging.getLogger(__name__)


def build_app(token: str, cipher: Cipher) -> Sanic:
    from rasa_sdk.endpoint import create_app

    app = create_app("actions", cors_origins=[])

    @app.middleware("request")
    async def shared_secret(request):
        if request.path == "/health":
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            log.warning("Refused a request to %s without the action server's secret", request.path)
            return response.json({"error": "This server only answers the assistant."}, status=401)
        return None

    @app.middleware("request")
    async def open_the_seal(request):
        if request.method != "POST" or request.path != "/webhook":
            return None
        compressed = request.headers.get("Content-Encoding") == "deflate"  # COMPRESS_ACTION_SERVER_REQUEST
        try:
            call = json.loads(zlib.decompress(request.body)) if compressed else request.json
        except (ValueError, zlib.error):
            return None  # Rasa SDK answers a body it can't read
        latest = ((call or {}).get("tracker") or {}).get("latest_message") or {}
        seal = (latest.get("metadata") or {}).get(SEALED)
        if isinstance(seal, str):
            request.ctx.sealed = True
            latest["text"] = cipher.unseal(seal, SEAL_MAX_AGE_SECONDS) or ""
            if compressed:  # Rasa SDK reads the body again
                request.body = zlib.compress(json.dumps(call).encode())
        return None

    @app.exception(Exception)
    async def failed(request, exception: Exception):
        # In place of Rasa SDK's own answer, which sends the whole request back (the tracker, and
        # any message opened above) for Rasa to log. The traceback only when nothing was sealed:
        # an error's message may quote what was typed.
        if getattr(request.ctx, "sealed", False):
            log.error("An action failed (%s); not shown: it was handling a message said in confidence",
                      type(exception).__name__)
        else:
            log.error("An action failed", exc_info=exception)
        return response.json({"error": "An action failed."}, status=500)

    return app


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from bot import bootstrap
    from bot.core.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=settings.action_server_host)
    args = parser.parse_args(argv)
    from bot.core.crypto import KeyNotConfigured, require_key

    try:
        require_key(settings)
    except KeyNotConfigured as missing:
        print(str(missing), file=sys.stderr)
        return 2
    if not settings.action_server_token:
        print("ACTION_SERVER_TOKEN is not set: the action server won't start without the secret Rasa sends it. "
              "`make run` and `make actions` set one; see .env.example.", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    from bot.journeys.housekeeping import start_timer

    # Built once; every action the app registers reads it (actions.wired).
    wiring = bootstrap.build(settings)
    bootstrap.install(wiring)
    app = build_app(settings.action_server_token, wiring.uow().cipher)
    # Reminders, deadlines and retention, hourly, with or without Slack.
    start_timer(wiring.uow, settings, first_after=60)
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # Sanic turned them back on
    log.info("Action server on http://%s:%s (requests need the shared secret)", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
