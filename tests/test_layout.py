"""The folders name the layers, and imports only point down: the core knows no journey,
Slack or Rasa; journeys know no Slack or Rasa; nothing but the Slack package writes Slack
markup; actions run no SQL."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("rasa", "rasa_sdk", "slack_sdk", "slack_bolt", "sanic")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


FORBIDDEN = {
    "bot/core": ("bot.journeys", "bot.slack", "bot.nlu", "bot.rasa_plumbing", "bot.cli", "actions", *FRAMEWORKS),
    "bot/journeys": ("bot.slack", "bot.rasa_plumbing", "bot.cli", "actions", *FRAMEWORKS),
    "bot/nlu": ("bot.core", "bot.journeys", "bot.slack", "bot.rasa_plumbing", "actions", "slack_sdk", "slack_bolt"),
    "bot/slack": ("actions", "bot.cli"),
    "bot/rasa_plumbing": ("bot.slack", "actions"),
    "actions": ("sqlalchemy", "bot.core.models", "bot.slack.app", "bot.slack.channels", "bot.slack.delivery"),
}


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_imports_point_down(folder):
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in modules(folder) for name in imports(path)
             if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[folder])}
    assert not wrong


@pytest.mark.parametrize("folder", ["bot/core", "bot/journeys"])
def test_services_write_no_slack_markup(folder):
    """Mentions, channel links and escaping belong to the Slack package alone."""
    formatting = re.compile(r"<[@#!]\{|<@\(|escape_mrkdwn|quote_user_text")
    wrong = [f"{path.relative_to(ROOT)}:{n}" for path in modules(folder)
             for n, line in enumerate(path.read_text().splitlines(), 1) if formatting.search(line)]
    assert not wrong


def test_every_journey_has_its_rooms():
    """A journey's NLU, rules, actions and service module share its name."""
    for journey in ("find_group", "join_group", "start_group", "request_support", "raise_issue", "check_status",
                    "awareness_calendar"):
        assert (ROOT / "data" / "nlu" / f"{journey}.yml").is_file(), journey
        assert (ROOT / "data" / "rules" / f"{journey}.yml").is_file(), journey
        assert (ROOT / "actions" / f"{journey}.py").is_file(), journey
        assert (ROOT / "bot" / "journeys" / f"{journey}.py").is_file(), journey
