"""Every setting the assistant reads from its environment, in one place.

`.env.example` documents each variable. A `.env` file in the project root is read
when present; real environment variables win over it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.core.constants import TEXT_LIMIT

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOTENV = PROJECT_ROOT / ".env"


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Where Rasa keeps conversations; empty: in-process (bot.rasa_plumbing.tracker_store).
    tracker_store_url: str | None
    # Fernet keys for confidential text, newest first (CASE_ENCRYPTION_KEY, comma-separated):
    # the first encrypts, any decrypts, `community-bot keys rotate` re-encrypts to the first.
    # None (embedded SQLite default only): one kept in var/ (bot.core.crypto).
    case_encryption_keys: tuple[str, ...]
    spacy_model_path: Path
    registry_file: Path
    # The secret Rasa sends the action server (endpoints.yml), which refuses requests without it.
    action_server_token: str | None
    action_server_host: str
    # A case is acknowledged within this many days (the EU Whistleblowing Directive's 7), or its
    # handlers are reminded; after the second figure more, the team's lead is told; the
    # reporter hears how it stands at the third (the directive's three months).
    case_acknowledge_days: int = 7
    case_escalate_after_days: int = 2
    case_feedback_days: int = 90
    # A case held until someone else reports the same person asks its reporter what to do after this.
    case_hold_days: int = 180
    # Retention (bot.journeys.retention): abandoned drafts, decided requests, closed cases and
    # the audit log are purged after these; 0 keeps them.
    retain_drafts_hours: int = 24
    retain_decided_requests_days: int = 90
    retain_closed_cases_days: int = 365
    retain_audit_days: int = 730
    # Input bounds (bot.core.limits): the longest message read, messages per person per window,
    # and the largest request body the server takes.
    max_message_chars: int = TEXT_LIMIT
    rate_limit_messages: int = 20
    rate_limit_seconds: float = 60
    max_request_bytes: int = 2_000_000
    # The REST channel is for local development: off whenever Slack is configured, unless set.
    enable_rest_channel: bool = False
    # Slack: unset token = no Slack (terminal chat and REST only).
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    # Another host for Slack's Web API (the tests' double, or an enterprise proxy).
    slack_api_url: str = "https://slack.com/api/"
    # Outbox delivery: attempts before a notification is marked failed and reported.
    outbox_max_attempts: int = 6
    outbox_poll_seconds: float = 5.0
    # An invite request waiting this many days reminds its organisers, and after the
    # second figure goes to the D&I service team.
    invite_nudge_after_days: int = 3
    invite_escalate_after_days: int = 7

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = {**_read_dotenv(DOTENV), **(environ if environ is not None else os.environ)}
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'community-bot.db'}"
    return Settings(
        database_url=env.get("DATABASE_URL") or default_db,
        tracker_store_url=(env.get("TRACKER_STORE_URL") or "").strip() or None,
        case_encryption_keys=tuple(key.strip() for key in (env.get("CASE_ENCRYPTION_KEY") or "").split(",")
                                   if key.strip()),
        spacy_model_path=Path(env.get("SPACY_MODEL_PATH") or PROJECT_ROOT / "models" / "spacy_en"),
        registry_file=Path(env.get("REGISTRY_FILE") or PROJECT_ROOT / "registry" / "demo.yml"),
        action_server_token=(env.get("ACTION_SERVER_TOKEN") or "").strip() or None,
        action_server_host=env.get("ACTION_SERVER_HOST") or "127.0.0.1",
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS") or TEXT_LIMIT),
        rate_limit_messages=int(env.get("RATE_LIMIT_MESSAGES") or 20),
        rate_limit_seconds=float(env.get("RATE_LIMIT_SECONDS") or 60),
        max_request_bytes=int(env.get("MAX_REQUEST_BYTES") or 2_000_000),
        enable_rest_channel=(env.get("ENABLE_REST_CHANNEL") or "").strip().lower() in ("1", "true", "yes"),
        case_acknowledge_days=int(env.get("CASE_ACKNOWLEDGE_DAYS") or 7),
        case_escalate_after_days=int(env.get("CASE_ESCALATE_AFTER_DAYS") or 2),
        case_feedback_days=int(env.get("CASE_FEEDBACK_DAYS") or 90),
        case_hold_days=max(1, int(env.get("CASE_HOLD_DAYS") or 180)),  # (a held case is always asked about)
        retain_drafts_hours=int(env.get("RETAIN_DRAFTS_HOURS") or 24),
        retain_decided_requests_days=int(env.get("RETAIN_DECIDED_REQUESTS_DAYS") or 90),
        retain_closed_cases_days=int(env.get("RETAIN_CLOSED_CASES_DAYS") or 365),
        retain_audit_days=int(env.get("RETAIN_AUDIT_DAYS") or 730),
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        slack_app_token=env.get("SLACK_APP_TOKEN") or None,
        slack_api_url=_with_slash(env.get("SLACK_API_URL") or "https://slack.com/api/"),
        outbox_max_attempts=int(env.get("OUTBOX_MAX_ATTEMPTS") or 6),
        outbox_poll_seconds=float(env.get("OUTBOX_POLL_SECONDS") or 5),
        invite_nudge_after_days=int(env.get("INVITE_NUDGE_AFTER_DAYS") or 3),
        invite_escalate_after_days=int(env.get("INVITE_ESCALATE_AFTER_DAYS") or 7),
    )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
