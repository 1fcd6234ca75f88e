"""Every setting is read in one place, and a `.env` file is honoured for each of them,
including the ones read deep inside (the case key, the tracker store)."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot import bootstrap
from bot.core import settings
from bot.core.settings import load_settings
from bot.rasa_plumbing.tracker_store import EnvironmentTrackerStore
from harness.records import environment_cipher

SET_BY_DOTENV = ("CASE_ENCRYPTION_KEY", "TRACKER_STORE_URL", "DATABASE_URL", "SLACK_BOT_TOKEN", "OUTBOX_MAX_ATTEMPTS",
                 "CASE_ACKNOWLEDGE_DAYS", "RETAIN_DRAFTS_HOURS", "RETAIN_AUDIT_DAYS", "CASE_ESCALATE_AFTER_DAYS",
                 "CASE_FEEDBACK_DAYS", "RETAIN_CLOSED_CASES_DAYS")


@pytest.fixture
def dotenv(tmp_path, monkeypatch):
    """A .env file in place of the project's, with none of its variables in the environment."""
    path = tmp_path / ".env"
    monkeypatch.setattr(settings, "DOTENV", path)
    for name in SET_BY_DOTENV:
        monkeypatch.delenv(name, raising=False)
    return path


def test_dotenv_values_are_read_and_the_environment_wins(dotenv, monkeypatch):
    dotenv.write_text("# comment\nOUTBOX_MAX_ATTEMPTS=9\nSLACK_BOT_TOKEN='xoxb-from-file'\nDATABASE_URL=\n")
    assert load_settings().outbox_max_attempts == 9 and load_settings().slack_bot_token == "xoxb-from-file"
    assert load_settings().database_url.endswith("var/community-bot.db")
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "2")
    assert load_settings().outbox_max_attempts == 2


def test_the_case_key_in_dotenv_encrypts_what_is_stored(dotenv):
    key = Fernet.generate_key().decode()
    dotenv.write_text(f"CASE_ENCRYPTION_KEY={key}\n")
    sealed = environment_cipher().encrypt("what happened on Tuesday")
    assert Fernet(key.encode()).decrypt(sealed) == b"what happened on Tuesday"
    assert environment_cipher().decrypt(sealed) == "what happened on Tuesday"


def test_the_tracker_store_in_dotenv_is_the_one_rasa_gets(dotenv, tmp_path):
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    assert isinstance(EnvironmentTrackerStore(), InMemoryTrackerStore)
    dotenv.write_text(f"TRACKER_STORE_URL=sqlite:///{tmp_path / 'conversations.db'}\n")
    bootstrap.install(None)  # as a new process, which reads its settings once
    store = EnvironmentTrackerStore()
    assert isinstance(store, SQLTrackerStore) and (tmp_path / "conversations.db").exists()


def test_several_case_keys_in_dotenv_newest_first(dotenv):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    dotenv.write_text(f"CASE_ENCRYPTION_KEY={old}\n")
    sealed_with_old = environment_cipher().encrypt("said before the new key")
    dotenv.write_text(f'CASE_ENCRYPTION_KEY="{new},{old}"\n')
    assert load_settings().case_encryption_keys == (new, old)
    assert environment_cipher().decrypt(sealed_with_old) == "said before the new key"
    assert Fernet(new.encode()).decrypt(environment_cipher().encrypt("said after")) == b"said after"


def test_deadline_and_retention_periods_come_from_the_environment_and_zero_keeps(dotenv):
    dotenv.write_text("CASE_ACKNOWLEDGE_DAYS=5\nRETAIN_DRAFTS_HOURS=0\nRETAIN_AUDIT_DAYS=30\n")
    read = load_settings()
    assert (read.case_acknowledge_days, read.retain_drafts_hours, read.retain_audit_days) == (5, 0, 30)
    assert (read.case_escalate_after_days, read.case_feedback_days, read.retain_closed_cases_days) == (2, 90, 365)


def test_the_nlu_calls_out_of_scope_from_the_length_the_channels_refuse(dotenv, monkeypatch):
    """config.yml keeps the long-message guard's length for Rasa; it is the one the code uses."""
    monkeypatch.delenv("MAX_MESSAGE_CHARS", raising=False)
    from bot.core.constants import TEXT_LIMIT
    from bot.rasa_plumbing.model_config import pipeline_setting

    assert pipeline_setting("LongMessageGuard", "max_chars") == TEXT_LIMIT == load_settings().max_message_chars
