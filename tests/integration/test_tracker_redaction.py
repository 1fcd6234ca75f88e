"""Defence in depth: whatever tracker store is configured, confidential text that reached
Rasa anyway (a channel that didn't take it) is redacted before the tracker is written."""
from __future__ import annotations

import asyncio
import json

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import bootstrap
from bot.rasa_plumbing.tracker_store import REDACTED, EnvironmentTrackerStore

SECRET = "the Zebrafinch incident in the kitchen"
SEAL = "gAAAAABkZebrafinchSealedToken"


def conversation() -> DialogueStateTracker:
    tracker = DialogueStateTracker("rest:alex", [])
    for event in [
        UserUttered("can you show me the groups?", {"name": "find_group"}),
        # Starting to raise an issue, with what happened told up front.
        UserUttered("I want to raise an issue. Zebrafinch shouted at me", {"name": "raise_issue"}),
        SlotSet("requested_slot", "case_draft_id"), ActionExecuted("action_listen"),
        UserUttered(SECRET, {"name": "faq"}, entities=[{"entity": "group", "value": "Zebrafinch"}]),
        SlotSet("requested_slot", "issue_excluded"), ActionExecuted("action_listen"),
        UserUttered("Zebrafinch Jones", {"name": "find_group"}),
        SlotSet("issue_excluded", "Zebrafinch Jones"),
        UserUttered('/case_details_given{"issue_excluded": "1"}', {"name": "case_details_given"},
                    metadata={"confidential": True}),
        SlotSet("issue_excluded", "1"), SlotSet("requested_slot", "issue_route"), ActionExecuted("action_listen"),
        UserUttered("People team", {"name": "inform"}),
        UserUttered("typed where the channel marked it", {"name": "inform"}, metadata={"confidential": True}),
        # Any message while the form runs, and the seal a message said in confidence carries.
        ActiveLoop("raise_issue_form"),
        UserUttered("yes, though Zebrafinch's manager knows", {"name": "affirm"}),
        UserUttered(REDACTED, {"name": "faq"}, metadata={"sealed": SEAL, "out_channel": "D1"}),
        ActiveLoop(None),
        UserUttered("thanks, what groups are there?", {"name": "find_group"}),
    ]:
        tracker.update(event)
    return tracker


def test_every_store_writes_the_tracker_without_confidential_text(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    for url in (None, f"sqlite:///{tmp_path / 'tracker.db'}"):
        if url is None:
            monkeypatch.delenv("TRACKER_STORE_URL")
        else:
            monkeypatch.setenv("TRACKER_STORE_URL", url)
        bootstrap.install(None)  # each store as a new process would choose it, from its settings
        store = EnvironmentTrackerStore(domain=Domain.empty())
        assert isinstance(store, InMemoryTrackerStore if url is None else SQLTrackerStore)
        asyncio.run(store.save(conversation()))
        stored = asyncio.run(store.retrieve("rest:alex"))
        dumped = json.dumps(stored.current_state())
        everything = json.dumps([e.as_dict() for e in stored.events])
        assert "Zebrafinch" not in dumped + everything and "marked it" not in dumped and "sealed" not in everything
        texts = [e.text for e in stored.events if isinstance(e, UserUttered)]
        # The placeholder, the answers to other questions and the intents stay: the conversation goes on.
        # What was typed from starting to raise an issue to the end of the form does not.
        assert texts == ["can you show me the groups?", REDACTED, REDACTED, REDACTED,
                         '/case_details_given{"issue_excluded": "1"}', "People team", REDACTED, REDACTED, REDACTED,
                         "thanks, what groups are there?"]
        assert [e.metadata for e in stored.events if isinstance(e, UserUttered)][-2] == {"out_channel": "D1"}
        assert [e.value for e in stored.events if isinstance(e, SlotSet) and e.key == "issue_excluded"] == [REDACTED, "1"]
