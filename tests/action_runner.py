"""Runs actions and form validators in-process with real trackers and the real domain, and
renders what they uttered the way Rasa does (RemoteAction._utter_responses: the named
response filled with the values passed, the buttons passed added after the response's own).

Rendering happens with no slots at all, so a reply that leaves a variable to fall back to
a slot (which could hold unescaped typed text) shows up as an unfilled placeholder and fails."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
# The domain as Rasa trains it: domain.yml with the responses of data/responses/ merged in.
DOMAIN = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"),
                                               [str(ROOT / "data")]).get_domain()
DOMAIN_DICT = DOMAIN.as_dict()
UNFILLED = re.compile(r"{[^\n{}]+?}")


def tracker(text: str = "", *, intent: str = "", sender: str = "U0TESTER01", entities: list[dict] | None = None,
            slots: dict[str, Any] | None = None, form: str | None = None, just_set: dict[str, Any] | None = None
            ) -> Tracker:
    """A tracker after `text`; `just_set` are slots set by this message (what a form validates)."""
    slots = {**(slots or {}), **(just_set or {})}
    events = [{"event": "user", "text": text}] + [{"event": "slot", "name": name, "value": value}
                                                  for name, value in (just_set or {}).items()]
    return Tracker(sender_id=sender, slots=slots, events=events, paused=False, followup_action=None,
                   active_loop={"name": form} if form else {}, latest_action_name="action_listen",
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": entities or []})


def render(messages: list[dict]) -> list[dict]:
    """What the person would see: [{"text": …, "buttons": […]}], as Rasa fills it."""
    async def utter() -> list:
        nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
        no_slots = DialogueStateTracker("U0TESTER01", [])
        return await RemoteAction._utter_responses([dict(m) for m in messages], CollectingOutputChannel(), nlg,
                                                   no_slots)

    shown = [{"text": event.text, "buttons": event.data.get("buttons") or []} for event in asyncio.run(utter())]
    for message in shown:
        assert not UNFILLED.search(message["text"] or ""), f"a variable was left to the slots: {message['text']}"
    return shown


def run(action: Action, the_tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """The action's events and its messages as the person would see them."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, DOMAIN_DICT))
    return events, render(dispatcher.messages)


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] or "" for m in messages)
