"""Case keys: several at once (newest first), rotation re-encrypts everything to the newest,
and the servers refuse to start against a shared database without one."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.core import db, receipts
from bot.core.models import Case, CaseMessage, CaseNote
from bot.core.settings import load_settings
from bot.journeys.case_keys import RotationStopped, rotate_all
from bot.journeys.raise_issue import excluded_ids, save_draft, submit_case
from bot.rasa_plumbing.launch import refuse_without_key
from harness.servers import subprocess_env

NARRATIVE = "What happened at the meetup on Tuesday, told in confidence."
SHARED_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"


def keyed(engine, keys: str):
    """A unit of work whose cipher has `keys`: a process started with CASE_ENCRYPTION_KEY=keys."""
    return db.uow_factory(engine, load_settings({"CASE_ENCRYPTION_KEY": keys}))()


def stored(uow) -> str:
    """A case with every encrypted column filled, a note and a message each way."""
    draft = save_draft(NARRATIVE, uow, owner="U0REPORT01")
    with uow:
        uow.session.scalar(select(Case).where(Case.reference == draft)).excluded_ciphertext = uow.cipher.encrypt(
            json.dumps(["U0DANDI002"]))
        uow.commit()
    reference = submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None,
                            category="behaviour", route_to="dandi_service", uow=uow).reference
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        case.outcome_ciphertext = uow.cipher.encrypt("We spoke to the organisers.")
        case.notes.append(CaseNote(author_slack_id="U0DANDI001", body_ciphertext=uow.cipher.encrypt("Called them.")))
        case.messages.append(CaseMessage(author_slack_id="U0DANDI001", body_ciphertext=uow.cipher.encrypt("When?")))
        case.messages.append(CaseMessage(from_reporter=True, body_ciphertext=uow.cipher.encrypt("Tuesday.")))
        uow.commit()
    return reference


def readable(uow, reference: str) -> tuple[str, set[str], str, list[str], list[str]]:
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        return (uow.cipher.decrypt(case.narrative_ciphertext), excluded_ids(case, uow.cipher),
                uow.cipher.decrypt(case.outcome_ciphertext),
                [uow.cipher.decrypt(note.body_ciphertext) for note in case.notes],
                [uow.cipher.decrypt(message.body_ciphertext) for message in case.messages])


EXPECTED = (NARRATIVE, {"U0DANDI002"}, "We spoke to the organisers.", ["Called them."], ["When?", "Tuesday."])


def test_rotation_moves_everything_to_the_newest_key(engine, demo_uow):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    reference = stored(keyed(engine, old))

    both = keyed(engine, f"{new}, {old}")  # the new key put first
    assert readable(both, reference) == EXPECTED
    with both:  # the receipt codes' secret, made with the old key
        secret = receipts.deployment_secret(both)
        both.commit()
    counts = rotate_all(lambda: both, batch_size=1)
    assert counts == {"narratives": 1, "exclusions": 1, "outcomes": 1, "news_recipients": 0, "notes": 1, "messages": 2,
                      "secrets": 1}

    newest = keyed(engine, new)  # the old key removed
    assert readable(newest, reference) == EXPECTED
    with newest:
        case = newest.session.scalar(select(Case).where(Case.reference == reference))
        assert Fernet(new.encode()).decrypt(case.narrative_ciphertext) == NARRATIVE.encode()
        with pytest.raises(Exception):
            Fernet(old.encode()).decrypt(case.narrative_ciphertext)
        assert receipts.deployment_secret(newest) == secret  # so every receipt code still opens its case


def test_rotation_stops_at_text_no_key_opens_and_says_so(engine, demo_uow):
    stored(keyed(engine, Fernet.generate_key().decode()))
    lost = keyed(engine, Fernet.generate_key().decode())  # the old key lost
    with pytest.raises(RotationStopped) as stopped:
        rotate_all(lambda: lost)
    assert "add back the key" in str(stopped.value) and NARRATIVE not in str(stopped.value)
    assert stopped.value.counts["narratives"] == 0


def test_the_action_server_refuses_to_start_on_a_shared_database_without_a_key():
    result = subprocess.run([sys.executable, "-m", "bot.rasa_plumbing.action_server"], capture_output=True,
                            text=True, timeout=120,
                            env=subprocess_env(DATABASE_URL=SHARED_DATABASE, CASE_ENCRYPTION_KEY="",
                                               ACTION_SERVER_TOKEN="secret"))
    assert result.returncode != 0
    assert "CASE_ENCRYPTION_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_rasa_through_the_launcher_refuses_to_serve_without_a_key_but_may_train():
    result = subprocess.run([sys.executable, "-m", "bot.rasa_plumbing.launch", "run", "--enable-api"],
                            capture_output=True, text=True, timeout=120,
                            env=subprocess_env(DATABASE_URL=SHARED_DATABASE, CASE_ENCRYPTION_KEY=""))
    assert result.returncode != 0 and "CASE_ENCRYPTION_KEY is not set" in result.stderr


def test_only_serving_commands_need_the_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", SHARED_DATABASE)
    monkeypatch.setenv("CASE_ENCRYPTION_KEY", "")
    for command in (["train"], ["data", "validate"], []):
        refuse_without_key(["launch", *command])  # returns: nothing to refuse
    with pytest.raises(SystemExit) as exited:
        refuse_without_key(["launch", "shell"])
    assert exited.value.code == 2
    monkeypatch.setenv("CASE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    refuse_without_key(["launch", "run"])
