"""The community-bot command, run as a user would, against a real SQLite file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_REGISTRY
from tests.rasa_harness import subprocess_env

BIN = Path(sys.executable).parent


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "community-bot", *args], capture_output=True, text=True,
                          env=subprocess_env(DATABASE_URL=database_url, REGISTRY_FILE=str(DEMO_REGISTRY)))


def test_upgrade_import_list_export(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'bot.core.db'}"
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
    url = f"sqlite:///{tmp_path / 'bot.core.db'}"
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
