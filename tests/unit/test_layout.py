"""The folders name the layers, and imports only point down: the core knows no journey,
Slack or Rasa; journeys know no Slack or Rasa; nothing but the Slack package writes Slack
markup; actions run no SQL."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("rasa", "rasa_sdk", "slack_sdk", "slack_bolt", "sanic")


def imports(path: Path, at_run_time: bool = False) -> set[str]:
    """The modules `path` imports; `at_run_time`: not those only a type checker reads."""
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    type_only = {id(inner) for node in ast.walk(tree) if at_run_time and isinstance(node, ast.If)
                 and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
                 for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


# Nothing shipped imports the test tooling; the tooling (harness/) and the scripts that measure
# the assistant import nothing from the tests.
NOT_SHIPPED = ("tests", "harness", "scripts")
FORBIDDEN = {
    "bot/core": ("bot.journeys", "bot.slack", "bot.nlu", "bot.rasa_plumbing", "bot.cli", "bot.bootstrap", "actions",
                 *FRAMEWORKS, *NOT_SHIPPED),
    "bot/journeys": ("bot.slack", "bot.rasa_plumbing", "bot.cli", "bot.bootstrap", "actions", *FRAMEWORKS,
                     *NOT_SHIPPED),
    "bot/nlu": ("bot.core", "bot.journeys", "bot.slack", "bot.rasa_plumbing", "bot.bootstrap", "actions", "slack_sdk",
                "slack_bolt", *NOT_SHIPPED),
    "bot/slack": ("actions", "bot.cli", *NOT_SHIPPED),
    "bot/rasa_plumbing": ("bot.slack", "actions", *NOT_SHIPPED),
    "bot/cli": NOT_SHIPPED,
    "actions": ("sqlalchemy", "bot.core.models", "bot.slack.app", "bot.slack.channels", "bot.slack.delivery",
                *NOT_SHIPPED),
    "harness": ("tests", "scripts"),
    "scripts": ("tests",),
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


# The entry points build the wiring (bot.bootstrap) and hand it in. A service or an action that
# read the environment, opened its own database or read its own clock would be wiring nobody can
# see or replace (a unit of work carries the settings, the cipher and the clock).
HIDDEN_WIRING = re.compile(r"\b(load_settings|default_uow|make_engine|bootstrap\.build|current|utcnow|datetime\.now|date\.today)\(")
# Where every action receives the process's wiring, once.
RECEIVES_THE_WIRING = "actions/wired.py"


def hidden_wiring(folders: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for folder in folders for path in modules(folder)
            if path.relative_to(ROOT).as_posix() != RECEIVES_THE_WIRING
            for n, line in enumerate(path.read_text().splitlines(), 1) if HIDDEN_WIRING.search(line)]


def test_services_and_actions_are_handed_their_wiring():
    assert hidden_wiring(("bot/journeys", "actions")) == []


def test_the_wiring_check_finds_a_service_reading_the_environment(tmp_path, monkeypatch):
    """The control: a service that reads its own settings is found."""
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "a.py").write_text("def f(uow):\n    days = load_settings().case_feedback_days\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert hidden_wiring(("journeys",)) == ["journeys/a.py:2: days = load_settings().case_feedback_days"]


def test_every_journey_has_its_rooms():
    """A journey's NLU, rules, responses, actions and service module share its name."""
    for journey in ("find_group", "join_group", "start_group", "request_support", "raise_issue", "check_status",
                    "awareness_calendar"):
        assert (ROOT / "data" / "nlu" / f"{journey}.yml").is_file(), journey
        assert (ROOT / "data" / "rules" / f"{journey}.yml").is_file(), journey
        assert (ROOT / "data" / "responses" / f"{journey}.yml").is_file(), journey
        assert (ROOT / "actions" / f"{journey}.py").is_file(), journey
        assert (ROOT / "bot" / "journeys" / f"{journey}.py").is_file(), journey


# Loops closed by imports inside functions were debt: Python tolerates them, a reader can't follow
# them. There are none left; a new one fails.
KNOWN_CYCLES: list[set[str]] = []


def import_cycles(folders: tuple[str, ...]) -> list[set[str]]:
    """The loops among the project's modules (strongly connected components of more than one
    module), counting every import made at run time, at the top of a module or inside a function
    (not those under `if TYPE_CHECKING:`, which only a type checker reads)."""
    names = {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
             for folder in folders for path in modules(folder)}
    graph = {name: {imported for imported in imports(path, at_run_time=True) if imported in names and imported != name}
             for name, path in names.items()}
    order, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(name: str) -> None:  # Tarjan's algorithm
        order[name] = low[name] = len(order)
        stack.append(name)
        on_stack.add(name)
        for imported in graph[name]:
            if imported not in order:
                visit(imported)
                low[name] = min(low[name], low[imported])
            elif imported in on_stack:
                low[name] = min(low[name], order[imported])
        if low[name] == order[name]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == name:
                    break
            if len(component) > 1:
                cycles.append(component)

    for name in sorted(graph):
        if name not in order:
            visit(name)
    return cycles


def test_no_import_cycle_but_the_known_ones():
    found = import_cycles(("bot", "actions", "harness"))
    assert [cycle for cycle in found if cycle not in KNOWN_CYCLES] == []
    assert [cycle for cycle in KNOWN_CYCLES if cycle not in found] == []  # gone: take it off the list


def test_the_cycle_check_finds_a_loop(tmp_path, monkeypatch):
    """The control: two modules importing each other inside functions are a loop."""
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "a.py").write_text("def f():\n    from loop.b import g\n")
    (tmp_path / "loop" / "b.py").write_text("def g():\n    from loop.a import f\n")
    (tmp_path / "loop" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop.d import y\n")
    (tmp_path / "loop" / "d.py").write_text("from loop.c import x\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert import_cycles(("loop",)) == [{"loop.a", "loop.b"}]  # c names d for the type checker only


def test_the_buttons_that_open_a_window_are_offered_by_the_responses_with_the_same_payload():
    """A summary's *Send it anonymously* and *Hold it…*, the private form's and the code's buttons:
    their payloads are written in data/responses and in bot.slack.raise_issue.WINDOW_BUTTONS, which
    turns them into the window's action. The two must agree, or the button would be sent to the
    conversation as words."""
    import yaml

    from bot.slack.raise_issue import WINDOW_BUTTONS

    offered = {button["payload"]
               for path in (ROOT / "data" / "responses").glob("*.yml")
               for variants in (yaml.safe_load(path.read_text())["responses"] or {}).values()
               for variant in variants for button in variant.get("buttons") or []}
    assert set(WINDOW_BUTTONS) <= offered
    # A "/…" payload that names no intent is one of them.
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    assert {p for p in offered if p.startswith("/") and p[1:].split("{")[0] not in intents} <= set(WINDOW_BUTTONS)
