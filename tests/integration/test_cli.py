"""The community-bot command, run as a user would, against a real SQLite file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_REGISTRY
from harness.servers import subprocess_env

BIN = Path(sys.executable).parent


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "community-bot", *args], capture_output=True, text=True,
                          env=subprocess_env(DATABASE_URL=database_url, REGISTRY_FILE=str(DEMO_REGISTRY)))


def test_upgrade_import_list_export(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'bot.db'}"
    assert cli("db", "upgrade", database_url=url).returncode == 0
    imported = cli("registry", "import", "--if-empty", database_url=url)
    assert imported.returncode == 0 and "9 groups added" in imported.stdout
    again = cli("registry", "import", "--if-empty", database_url=url)
    assert "already has groups; nothing imported" in again.stdout

    listed = cli("registry", "list", database_url=url).stdout
    assert "Women in Tech" in listed and "closed" in listed and len(listed.splitlines()) == 9

    out = tmp_path / "export.yml"
    assert cli("registry", "export", "--output", str(out), database_url=url).returncode == 0
    assert cli("registry", "import", str(out), database_url=url).returncode == 0
    assert cli("registry", "export", database_url=url).stdout == out.read_text()


def test_bad_file_is_refused_with_every_problem_and_nothing_changes(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    cli("db", "upgrade", database_url=url)
    cli("registry", "import", database_url=url)
    bad = tmp_path / "bad.yml"
    bad.write_text(DEMO_REGISTRY.read_text().replace("type: open", "type: opne", 1).replace("U0WIT00001", "amara"))
    result = cli("registry", "import", str(bad), database_url=url)
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "'type' must be one of open, closed, both" in result.stderr and "'amara' is not a Slack user id" in result.stderr
    assert "Neurodiversity Network" in cli("registry", "list", database_url=url).stdout

    missing = cli("registry", "import", str(tmp_path / "nope.yml"), database_url=url)
    assert missing.returncode == 2 and "No such file" in missing.stderr


def test_a_command_before_the_database_exists_says_how_to_create_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'not-yet' / 'bot.db'}"
    for args in (("registry", "list"), ("outbox", "failed"), ("nudges",)):
        result = cli(*args, database_url=url)
        assert result.returncode == 1 and "community-bot db upgrade" in result.stderr, args
        assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "not-yet" / "bot.db").exists()  # asking created nothing
    empty = tmp_path / "empty.db"
    empty.touch()
    result = cli("registry", "list", database_url=f"sqlite:///{empty}")
    assert "has no tables yet" in result.stderr and "community-bot db upgrade" in result.stderr
    from bot.core import db

    db.upgrade(url, "0002")
    result = cli("registry", "list", database_url=url)
    assert "from an older version" in result.stderr and "community-bot db upgrade" in result.stderr
    assert cli("db", "upgrade", database_url=url).returncode == 0
    assert "No groups registered" in cli("registry", "list", database_url=url).stdout


def test_the_outbox_shows_what_the_recipients_would_see(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    cli("db", "upgrade", database_url=url)
    cli("registry", "import", database_url=url)
    assert "No notifications waiting" in cli("outbox", "list", database_url=url).stdout
    from bot.core import db
    from bot.journeys.invite_request import request_invite

    engine = db.make_engine(url)
    request = request_invite("U0ASKS0001", "women-in-tech", criteria_confirmed=True, note="Hi <!here> & all",
                             uow=db.uow_factory(engine)())
    engine.dispose()
    listed = cli("outbox", "list", database_url=url).stdout
    assert listed.count("pending invite_request to U0WIT0000") == 2 and request.reference in listed
    assert "Their note: Hi <!here> & all" in listed  # as the organisers will read it


def test_keys_new_prints_a_key_and_rotate_prints_counts_only(tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    new = cli("keys", "new", database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert new.returncode == 0
    key = new.stdout.strip()
    Fernet(key.encode())  # a valid key
    assert not (tmp_path / "none.db").exists()  # no database needed

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    cli("db", "upgrade", database_url=url)
    cli("registry", "import", database_url=url)
    old = Fernet.generate_key().decode()
    from bot.core import db
    from bot.journeys.raise_issue import save_draft

    engine = db.make_engine(url)
    monkeypatch.setenv("CASE_ENCRYPTION_KEY", old)
    save_draft("Marker-Wombat: what happened at the social last week.", db.uow_factory(engine)())
    engine.dispose()
    rotated = subprocess.run([BIN / "community-bot", "keys", "rotate"], capture_output=True, text=True,
                             env=subprocess_env(DATABASE_URL=url, CASE_ENCRYPTION_KEY=f"{key},{old}"))
    assert rotated.returncode == 0, rotated.stderr
    assert "1 narratives" in rotated.stdout and "Wombat" not in rotated.stdout + rotated.stderr
    lost = subprocess.run([BIN / "community-bot", "keys", "rotate"], capture_output=True, text=True,
                          env=subprocess_env(DATABASE_URL=url, CASE_ENCRYPTION_KEY=old))
    assert lost.returncode == 1 and "add back the key" in lost.stderr and "Traceback" not in lost.stderr


def test_purge_says_what_it_removed_in_counts(tmp_path):
    from datetime import timedelta

    from sqlalchemy import update

    from bot.core import db
    from bot.core.models import Case, utcnow
    from bot.journeys.raise_issue import save_draft

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    cli("db", "upgrade", database_url=url)
    cli("registry", "import", database_url=url)
    engine = db.make_engine(url)
    save_draft("Marker-Wombat: what happened at the social last week.", db.uow_factory(engine)())
    with engine.begin() as connection:
        connection.execute(update(Case).values(created_at=utcnow() - timedelta(days=2)))
    engine.dispose()
    dry = cli("purge", "--dry-run", database_url=url)
    assert dry.returncode == 0 and "Would remove:" in dry.stdout
    assert "1  abandoned case draft(s)" in dry.stdout
    done = cli("purge", database_url=url)
    assert "Removed:" in done.stdout and "1  abandoned case draft(s)" in done.stdout and "Wombat" not in done.stdout
    assert "0  abandoned case draft(s)" in cli("purge", database_url=url).stdout
