"""Conversation evaluation: multi-turn conversations (eval/conversations/*.yml) played against
the real servers, each bot step judged against what a good assistant should do.

Starts the action server and Rasa exactly as the conversation tests do (harness/servers.py:
the cached small model, a fresh SQLite database with the demo registry), then plays every
conversation as a new person over the REST channel. A step is judged by *which responses* the
bot gave: the new `bot` events in Rasa's tracker after the turn, named by the `utter_action` in
their metadata (Rasa 3.6 sets it for templated responses and for responses a custom action sends
with `dispatcher.utter_message(response=...)`). What the REST channel says itself (the
confidential intake of the raise-an-issue form never passes through Rasa) is named by matching
its text against eval/channel_responses.yml, and any unnamed text against the templates in
data/responses/ ({placeholders} as wildcards).

    .venv/bin/python scripts/conversation_eval.py [--part dev|heldout|all] [--only ID] [--verbose]
                                                  [--jobs N] [--json FILE]

Exits 0 whatever the score (it is a measurement); non-zero only when the servers fail or the
conversation files are malformed. eval/README.md describes the format and the judging.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import yaml  # noqa: E402

EVAL = ROOT / "eval"
CONVERSATIONS = EVAL / "conversations"
PARTS = ("dev", "heldout")
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")

# Responses that mean the bot did not understand, or asked again: wrong in any step that doesn't
# expect them. (A step that expects one of them, e.g. a clarifying question, lists it.)
MISUNDERSTOOD = {
    "utter_need_yes_or_no", "utter_ask_rephrase", "utter_default", "utter_did_you_mean_one_of_these",
    "utter_explain_generic", "utter_form_way_out", "utter_confirm_again", "utter_choose_group_type",
    "utter_explain_new_group_type", "utter_choose_support_kind", "utter_issue_for_again",
    "utter_issue_category_again", "utter_issue_route_again", "utter_group_part_again", "utter_explain_group_part",
    "utter_support_when_again", "utter_case_text_again", "utter_out_of_scope", "utter_invite_note_what",
    "utter_help_in_form", "utter_anything_else", "utter_nothing_to_stop", "utter_domain_error",
    "utter_support_group_not_found", "utter_lost_track_of_group", "utter_internal_error",
    "channel_problem", "channel_check_stop",
}
# Record kinds an end state may count, for this conversation's person.
KINDS = ("invites", "memberships", "proposals", "support", "cases", "drafts", "waiting")
WRITTEN = ("invites", "memberships", "proposals", "support", "cases", "drafts")


class EvalError(Exception):
    """The conversation files are malformed."""


# ---------------------------------------------------------------- the response catalogue

@dataclass
class Template:
    name: str
    regex: re.Pattern
    literal: int  # characters of fixed text: the more, the more distinctive


def _template_regex(text: str) -> tuple[re.Pattern, int]:
    pieces, literal, last = [], 0, 0
    for match in PLACEHOLDER.finditer(text):
        fixed = text[last:match.start()]
        pieces.append(re.escape(fixed))
        literal += len(fixed.strip())
        pieces.append(r".*?")
        last = match.end()
    pieces.append(re.escape(text[last:]))
    literal += len(text[last:].strip())
    return re.compile("".join(pieces), re.DOTALL), literal


class Catalogue:
    """Every response name the evaluation knows: the domain's, the FAQ's, the channel's own
    texts (eval/channel_responses.yml) and the new ones expected (eval/new_responses.yml)."""

    def __init__(self) -> None:
        responses: dict[str, list[dict]] = {}
        for path in sorted((ROOT / "data" / "responses").glob("*.yml")):
            responses.update((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
        self.templates: list[Template] = []
        for name, variants in responses.items():
            for variant in variants or []:
                if isinstance(variant, dict) and variant.get("text"):
                    regex, literal = _template_regex(variant["text"].strip())
                    if literal >= 8:  # "{error}", "{status}": says nothing about which response it is
                        self.templates.append(Template(name, regex, literal))
        channel = yaml.safe_load((EVAL / "channel_responses.yml").read_text()) or {}
        self.channel: list[tuple[str, re.Pattern]] = [
            (name, re.compile(spec["matches"], re.IGNORECASE | re.DOTALL)) for name, spec in channel.items()]
        self.new: dict[str, str] = yaml.safe_load((EVAL / "new_responses.yml").read_text()) or {}
        self.known = set(responses) | set(channel) | set(self.new)

    def name_of(self, text: str) -> str | None:
        """The response a text came from: the channel's own texts first, then the templates."""
        text = (text or "").strip()
        for name, regex in self.channel:
            if regex.search(text):
                return name
        found = [t for t in self.templates if t.regex.fullmatch(text)]
        if not found:  # a message made of a response plus more (e.g. a typed note appended)
            found = [t for t in self.templates if t.regex.match(text)]
        return max(found, key=lambda t: t.literal).name if found else None


# ---------------------------------------------------------------- conversations and expectations

@dataclass
class Alternative:
    """One acceptable bot step: `bot` in order (each item a set of interchangeable names), the
    texts that must appear, and the responses that must not."""
    bot: list[tuple[str, ...]]
    text: list[str] = field(default_factory=list)
    no_text: list[str] = field(default_factory=list)
    not_: list[str] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for item in self.bot for name in item}

    def describe(self) -> str:
        parts = [" | ".join(item) if len(item) > 1 else item[0] for item in self.bot]
        out = " → ".join(f"({p})" if " | " in p else p for p in parts) or "(anything)"
        if self.text:
            out += f" with {self.text!r}"
        if self.not_:
            out += f", not {', '.join(self.not_)}"
        return out


@dataclass
class Turn:
    user: str | None
    press: str | None
    alternatives: list[Alternative]
    note: str = ""
    # Played only when the previous step said one of these (a clarifying question asked).
    only_after: tuple[str, ...] = ()


@dataclass
class Conversation:
    id: str
    part: str
    journey: str
    patterns: list[str]
    person: str
    turns: list[Turn]
    end: dict[str, Any]


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# Responses now given under another name, or in more than one form (eval/implemented_as.yml): an
# FAQ answer's utter_faq/<key>; "what happened?" asked as an offer when it was told up front.
IMPLEMENTED_AS: dict[str, Any] = yaml.safe_load((EVAL / "implemented_as.yml").read_text()) or {}


def _implementations(name: Any) -> list[Any]:
    """Every response name an expected one may be given as."""
    return _as_list(IMPLEMENTED_AS.get(name, name) if isinstance(name, str) else name)


def _alternative(spec: dict, where: str) -> Alternative:
    items = []
    for item in _as_list(spec.get("bot")):
        names = tuple(n for expected in _as_list(item) for n in _implementations(expected))
        if not names or not all(isinstance(n, str) for n in names):
            raise EvalError(f"{where}: a bot item is a response name or a list of names, not {item!r}")
        items.append(names)
    return Alternative(items, [str(t) for t in _as_list(spec.get("text"))],
                       [str(t) for t in _as_list(spec.get("no_text"))], [str(i) for n in _as_list(spec.get("not")) for i in _implementations(n)])


def load_conversations(catalogue: Catalogue) -> list[Conversation]:
    conversations, seen, unknown = [], set(), set()
    for part in PARTS:
        path = CONVERSATIONS / f"{part}.yml"
        if not path.exists():
            raise EvalError(f"{path.relative_to(ROOT)} is missing")
        for raw in yaml.safe_load(path.read_text()) or []:
            cid = str(raw.get("id") or "")
            where = f"{path.name}: {cid or '(no id)'}"
            if not cid or cid in seen:
                raise EvalError(f"{where}: every conversation needs a unique id")
            seen.add(cid)
            if raw.get("part") != part:
                raise EvalError(f"{where}: part is {raw.get('part')!r} but the conversation is in {path.name}")
            if not raw.get("journey") or not raw.get("patterns"):
                raise EvalError(f"{where}: journey and patterns are required")
            turns = []
            for number, spec in enumerate(raw.get("turns") or [], 1):
                if ("user" in spec) == ("press" in spec):
                    raise EvalError(f"{where} turn {number}: give `user` or `press`")
                alternatives = [_alternative(spec, f"{where} turn {number}")]
                alternatives += [_alternative(alt, f"{where} turn {number} (or)") for alt in _as_list(spec.get("or"))]
                for alt in alternatives:
                    unknown |= {n for n in alt.names() | set(alt.not_) if n not in catalogue.known}
                only_after = tuple(str(i) for n in _as_list(spec.get("only_after")) for i in _implementations(n))
                unknown |= {n for n in only_after if n not in catalogue.known}
                turns.append(Turn(None if "press" in spec else str(spec["user"]),
                                  str(spec["press"]) if "press" in spec else None, alternatives,
                                  str(spec.get("note") or ""), only_after))
            if not turns:
                raise EvalError(f"{where}: no turns")
            end = raw.get("end") or {}
            bad = set(end) - set(KINDS) - {"nothing_written", "fields"}
            if bad:
                raise EvalError(f"{where}: unknown end-state keys {sorted(bad)}")
            conversations.append(Conversation(cid, part, str(raw["journey"]), [str(p) for p in raw["patterns"]],
                                              str(raw.get("person") or ""), turns, end))
    if unknown:
        raise EvalError("Response names neither in the domain, the FAQ, eval/channel_responses.yml nor "
                        f"eval/new_responses.yml: {', '.join(sorted(unknown))}")
    return conversations


# ---------------------------------------------------------------- playing a conversation

@dataclass
class Said:
    name: str | None
    text: str
    buttons: list[dict]

    def label(self) -> str:
        return self.name or f"“{shorten(self.text, 60)}”"


@dataclass
class StepResult:
    number: int
    user: str
    said: list[Said]
    right: bool
    why: str
    expected: str
    first_failure: bool = False


@dataclass
class ConversationResult:
    conversation: Conversation
    steps: list[StepResult]
    end_right: bool
    end_why: str
    server_errors: int = 0

    @property
    def completed_right(self) -> bool:
        return self.end_right and all(step.right for step in self.steps)


def shorten(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def judge(alternatives: list[Alternative], said: list[Said]) -> tuple[bool, str]:
    """Right when any alternative holds; otherwise why the first one didn't."""
    if not said:
        return False, "no reply at all"
    names = [s.name for s in said]
    whole = "\n".join(s.text for s in said).lower()
    reasons = []
    for alt in alternatives:
        reason = None
        position = 0
        for item in alt.bot:
            while position < len(names) and names[position] not in item:
                position += 1
            if position == len(names):
                reason = f"missing {' | '.join(item)}"
                break
            position += 1
        if reason is None:
            stray = [n for n in names if n in MISUNDERSTOOD and n not in alt.names()]
            forbidden = [n for n in names if n in alt.not_]
            if forbidden:
                reason = f"said {', '.join(forbidden)}"
            elif stray:
                reason = f"said {', '.join(stray)}"
            elif any(t.lower() not in whole for t in alt.text):
                reason = f"text lacks {[t for t in alt.text if t.lower() not in whole]!r}"
            elif any(t.lower() in whole for t in alt.no_text):
                reason = f"text has {[t for t in alt.no_text if t.lower() in whole]!r}"
        if reason is None:
            return True, ""
        reasons.append(reason)
    return False, reasons[0]


class Player:
    def __init__(self, base_url: str, database_url: str, catalogue: Catalogue, run_id: str):
        from harness.servers import RunningAssistant

        self.base_url, self.catalogue, self.run_id = base_url, catalogue, run_id
        self.assistant = RunningAssistant(base_url, database_url)
        self.db_lock = threading.Lock()

    def _name(self, replies: list[dict], bot_events: list[dict]) -> list[Said]:
        """The replies as the person saw them, each named by its bot event (utter_action) when
        Rasa sent it, else by its text."""
        pending = list(bot_events)
        said = []
        for reply in replies:
            text = reply.get("text") or ""
            buttons = reply.get("buttons") or []
            name = None
            for index, event in enumerate(pending):
                if (event.get("text") or "") == text:
                    name = (event.get("metadata") or {}).get("utter_action")
                    del pending[index]
                    break
            said.append(Said(name or self.catalogue.name_of(text), text, buttons))
        return said

    def play(self, conversation: Conversation, verbose: bool) -> ConversationResult:
        from harness.servers import Chat

        chat = Chat(self.base_url, f"EVAL{self.run_id}{re.sub(r'[^A-Za-z0-9]', '', conversation.id)}")
        seen_events, previous, steps, server_errors = 0, [], [], 0
        for number, turn in enumerate(conversation.turns, 1):
            if turn.only_after and not any(s.name in turn.only_after for s in previous):
                continue  # the clarifying question it answers wasn't asked: not a step
            alternatives = turn.alternatives
            message, problem = turn.user, None
            if turn.press is not None:
                button = next((b for s in previous for b in s.buttons
                               if turn.press.lower() in str(b.get("title", "")).lower()), None)
                if button is None:
                    problem = f"no button “{turn.press}” was offered"
                    message = turn.press
                else:
                    message = str(button.get("payload") or button.get("title"))
            try:
                replies = chat.say(message)
                events = chat.tracker().get("events") or []
            except (urllib.error.URLError, OSError, ValueError) as error:
                server_errors += 1
                steps.append(StepResult(number, turn.user or f"[{turn.press}]", [], False, f"server error: {error}",
                                        alternatives[0].describe()))
                previous = []
                continue
            new = events[seen_events:] if len(events) >= seen_events else events
            seen_events = len(events)
            said = self._name(replies, [e for e in new if e.get("event") == "bot"])
            right, why = judge(alternatives, said)
            if problem:
                right, why = False, problem
            steps.append(StepResult(number, turn.user if turn.user is not None else f"[{turn.press}]", said, right,
                                    why, alternatives[0].describe()))
            previous = said
        for step in steps:
            if not step.right:
                step.first_failure = True
                break
        end_right, end_why = self.check_end(conversation, chat.sender)
        result = ConversationResult(conversation, steps, end_right, end_why, server_errors)
        if verbose and conversation.part == "dev":  # a held-out transcript is never shown
            print(transcript(result), flush=True)
        return result

    def check_end(self, conversation: Conversation, sender: str) -> tuple[bool, str]:
        end = conversation.end
        if not end:
            return True, ""
        from sqlalchemy import select

        from bot.core.models import Case, CaseStatus, ConfidentialPrompt, GroupProposal, InviteRequest, Membership, \
            SupportRequest
        from harness.records import count, everything_of, rows

        with self.db_lock:
            have = everything_of(self.assistant, sender)
            have["drafts"] = count(self.assistant, Case, Case.draft_owner == sender, Case.status == CaseStatus.draft)
            have["waiting"] = count(self.assistant, ConfidentialPrompt, ConfidentialPrompt.conversation_id == sender)
            problems = []
            wanted = {kind: 0 for kind in WRITTEN} if end.get("nothing_written") else {}
            wanted.update({kind: end[kind] for kind in KINDS if kind in end})
            for kind, number in wanted.items():
                if have[kind] != number:
                    problems.append(f"{kind}: {have[kind]}, expected {number}")
            models = {"invites": (InviteRequest, InviteRequest.requester_slack_id),
                      "memberships": (Membership, Membership.slack_user_id),
                      "proposals": (GroupProposal, GroupProposal.proposer_slack_id),
                      "support": (SupportRequest, SupportRequest.requester_slack_id),
                      "cases": (Case, Case.reporter_slack_id)}
            for kind, checks in (end.get("fields") or {}).items():
                model, owner = models[kind]
                found = sorted(rows(self.assistant, model, owner == sender), key=lambda r: r.id)
                if not found:
                    problems.append(f"no {kind} record to check")
                    continue
                record = found[-1]
                for name, want in checks.items():
                    if name == "group":
                        from bot.core.models import Group
                        uow = self.assistant.uow()
                        with uow:
                            group = uow.session.get(Group, record.group_id) if record.group_id else None
                            value = group.slug if group else None
                    else:
                        value = getattr(record, name)
                        value = getattr(value, "value", value)
                    if isinstance(want, dict) and "contains" in want:
                        ok = str(want["contains"]).lower() in str(value or "").lower()
                    elif isinstance(want, dict) and "lacks" in want:
                        ok = str(want["lacks"]).lower() not in str(value or "").lower()
                    else:
                        ok = value == want
                    if not ok:
                        problems.append(f"{kind}.{name} is {shorten(str(value), 50)!r}, expected {want!r}")
        return not problems, "; ".join(problems)


def transcript(result: ConversationResult) -> str:
    c = result.conversation
    lines = [f"=== {c.id} [{c.part}] {c.journey}: {', '.join(c.patterns)}"
             f"{' — ' + c.person if c.person else ''}"]
    for step in result.steps:
        mark = "ok " if step.right else "XX "
        lines.append(f"  {mark}{step.number:>2}. user: {shorten(step.user, 100)}")
        for said in step.said:
            lines.append(f"        bot [{said.name or '?'}]: {shorten(said.text, 110)}")
        if not step.right:
            lines.append(f"        expected {step.expected}; {step.why}")
    lines.append(f"  end state: {'ok' if result.end_right else 'WRONG: ' + result.end_why}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the report

def pct(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:5.1f}%" if denominator else "    - "


def figures(results: list[ConversationResult]) -> dict[str, int]:
    steps = [s for r in results for s in r.steps]
    return {"conversations": len(results), "steps": len(steps), "steps_right": sum(s.right for s in steps),
            "completed_right": sum(r.completed_right for r in results)}


def by_set(results: list[ConversationResult]) -> dict[str, list[ConversationResult]]:
    """The conversations by batch: "dev-e", "ho-e" from their ids; the first batch of each part alone."""
    sets: dict[str, list[ConversationResult]] = {}
    for r in results:
        batch = re.match(r"(dev|ho)-([a-z])-", r.conversation.id)
        sets.setdefault(batch.group(0).rstrip("-") if batch else f"{r.conversation.part} (first set)", []).append(r)
    return sets


def report(results: list[ConversationResult], parts: list[str]) -> str:
    out = []
    by_part = {part: [r for r in results if r.conversation.part == part] for part in parts}
    width = 22
    out.append("Conversation evaluation" + (" (held-out: report only, never tune against it)"
                                          if "heldout" in parts else ""))
    out.append(f"{'':34}" + "".join(f"{part:>{width}}" for part in parts))
    table = {part: figures(by_part[part]) for part in parts}
    out.append(f"{'conversations':34}" + "".join(f"{table[p]['conversations']:>{width}}" for p in parts))
    out.append(f"{'bot steps':34}" + "".join(f"{table[p]['steps']:>{width}}" for p in parts))
    out.append(f"{'share of bot steps right':34}" + "".join(
        f"{pct(table[p]['steps_right'], table[p]['steps']):>{width}}" for p in parts))
    out.append(f"{'share of conversations right':34}" + "".join(
        f"{pct(table[p]['completed_right'], table[p]['conversations']):>{width}}" for p in parts))

    # Each batch of conversations beside the others: a batch fitted to shows it, a fresh one doesn't.
    out.append("")
    out.append("Per set (batches written at different times; dev-X and ho-X by the same authors):")
    for name, members in sorted(by_set(results).items()):
        f = figures(members)
        out.append(f"{name:34}{f['conversations']:>6} conversations  {pct(f['steps_right'], f['steps'])} of steps  "
                   f"{pct(f['completed_right'], f['conversations'])} of conversations")

    for title, key in (("repair pattern", lambda r: r.conversation.patterns),
                       ("journey", lambda r: [r.conversation.journey])):
        out.append("")
        out.append(f"Per {title}: steps right / conversations right (conversations)")
        out.append(f"{'':34}" + "".join(f"{part:>{width}}" for part in parts))
        labels = sorted({label for r in results for label in key(r)})
        for label in labels:
            cells = []
            for part in parts:
                f = figures([r for r in by_part[part] if label in key(r)])
                cells.append(f"{pct(f['steps_right'], f['steps']).strip()} / "
                             f"{pct(f['completed_right'], f['conversations']).strip()} ({f['conversations']})"
                             if f["conversations"] else "-")
            out.append(f"{label:34}" + "".join(f"{cell:>{width}}" for cell in cells))

    # Only dev's failures are listed: the held-out part is never read to decide a fix.
    failing = [(r, s) for r in results for s in r.steps if not s.right and r.conversation.part == "dev"]
    if failing:
        # Worst first: a conversation's first wrong step (what later ones follow from), then the
        # failures most often repeated elsewhere (the same expectation missed the same way).
        signature = Counter((s.expected, tuple(x.label() for x in s.said)) for _, s in failing)
        failing.sort(key=lambda rs: (not rs[1].first_failure,
                                     -signature[(rs[1].expected, tuple(x.label() for x in rs[1].said))],
                                     rs[0].conversation.id, rs[1].number))
        out.append("")
        out.append(f"Worst failing steps (up to 10 of {len(failing)}; the first wrong step of a conversation first, "
                   "then the most repeated)")
        shown = set()
        for result, step in failing:
            key = (step.expected, tuple(x.label() for x in step.said))
            if key in shown:
                continue
            shown.add(key)
            said = ", ".join(x.label() for x in step.said) or "(nothing)"
            out.append(f"- {result.conversation.id} turn {step.number}: “{shorten(step.user, 70)}”")
            out.append(textwrap.indent(textwrap.fill(f"expected {shorten(step.expected, 160)}", 110), "    "))
            out.append(textwrap.indent(textwrap.fill(f"bot said {shorten(said, 160)} ({step.why})"
                                                     + (f" [×{signature[key]} alike]" if signature[key] > 1 else ""),
                                                     110), "    "))
            if len(shown) == 10:
                break
    ends = [r for r in results if not r.end_right and r.conversation.part == "dev"]
    if ends:
        out.append("")
        out.append(f"End state wrong in {len(ends)} conversation(s): "
                   + "; ".join(f"{r.conversation.id} ({shorten(r.end_why, 60)})" for r in ends[:8])
                   + (" …" if len(ends) > 8 else ""))
    return "\n".join(out)


def as_json(results: list[ConversationResult]) -> dict:
    return {"conversations": [{
        "id": r.conversation.id, "part": r.conversation.part, "journey": r.conversation.journey,
        "patterns": r.conversation.patterns, "completed_right": r.completed_right, "end_right": r.end_right,
        "end_why": r.end_why,
        "steps": [{"turn": s.number, "user": s.user, "right": s.right, "why": s.why, "expected": s.expected,
                   "said": [{"name": x.name, "text": x.text} for x in s.said]} for s in r.steps],
    } for r in results]}


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs and database in this folder")
    parser.add_argument("--only", action="append", help="run only this conversation id (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="print every conversation's transcript")
    parser.add_argument("--jobs", type=int, default=3, help="conversations played at once (default 3)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "conversation-eval.json",
                        help="where to write every step's result (default results/conversation-eval.json)")
    args = parser.parse_args(argv)

    try:
        catalogue = Catalogue()
        conversations = load_conversations(catalogue)
    except (EvalError, yaml.YAMLError, OSError) as problem:
        print(f"conversation-eval: {problem}", file=sys.stderr)
        return 2
    parts = list(PARTS) if args.part == "all" else [args.part]
    chosen = [c for c in conversations if c.part in parts and (not args.only or c.id in args.only)]
    if not chosen:
        print("conversation-eval: no conversation matches", file=sys.stderr)
        return 2
    if args.only:
        parts = [p for p in parts if any(c.part == p for c in chosen)]

    from cryptography.fernet import Fernet

    from harness.servers import demo_database, running_assistant, trained_model

    started = time.monotonic()
    print(f"conversation-eval: {len(chosen)} conversations; training or loading the model…", flush=True)
    try:
        model = trained_model()
    except Exception as problem:  # noqa: BLE001 - any failure to train is a failure to run
        print(f"conversation-eval: the model could not be trained: {problem}", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="conversation-eval-") as tmp:
        workdir = Path(tmp)
        if args.logs:  # the servers' logs (and database) kept there, to read what went wrong
            workdir = args.logs
            workdir.mkdir(parents=True, exist_ok=True)
        database_url = demo_database(workdir)
        key = Fernet.generate_key().decode()
        os.environ["CASE_ENCRYPTION_KEY"] = key
        try:
            with running_assistant(model, database_url, workdir,
                                   {"CASE_ENCRYPTION_KEY": key, "RATE_LIMIT_MESSAGES": "1000"}) as base_url:
                print(f"conversation-eval: servers up after {time.monotonic() - started:.0f}s; playing…", flush=True)
                player = Player(base_url, database_url, catalogue, uuid.uuid4().hex[:6].upper())
                with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                    results = list(pool.map(lambda c: player.play(c, args.verbose), chosen))
        except (RuntimeError, TimeoutError, OSError) as problem:
            print(f"conversation-eval: the servers failed: {problem}", file=sys.stderr)
            return 3
        player.assistant.dispose()
    turns = sum(len(r.steps) for r in results)
    errors = sum(r.server_errors for r in results)
    print()
    print(report(results, parts))
    print()
    print(f"{len(results)} conversations, {turns} turns in {time.monotonic() - started:.0f}s.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(results), indent=1))
        print(f"Every step: {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    if errors and errors >= max(3, turns // 10):
        print(f"conversation-eval: {errors} turns got no answer from the servers", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
