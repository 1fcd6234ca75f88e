"""Defence in depth: whatever tracker store is configured, confidential text that reached
Rasa anyway (a channel that didn't take it) is redacted before the tracker is written."""
from __future__ import annotations

import asyncio
import json

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import bootstrap
from bot.rasa_plumbing.tracker_store import REDACTED, EnvironmentTrackerStore

SECRET = "the Zebrafinch incident in the kitchen"


def conversation() -> DialogueStateTracker:
    tracker = DialogueStateTracker("rest:alex", [])
    for event in [
        UserUttered("I want to raise an issue", {"name": "raise_issue"}),
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
        assert "Zebrafinch" not in dumped and "marked it" not in dumped
        texts = [e.text for e in stored.events if isinstance(e, UserUttered)]
        # The placeholder, the answers to other questions and the intents stay: the conversation goes on.
        assert texts == ["I want to raise an issue", REDACTED, REDACTED, '/case_details_given{"issue_excluded": "1"}',
                         "People team", REDACTED]
        assert [e.value for e in stored.events if isinstance(e, SlotSet) and e.key == "issue_excluded"] == [REDACTED, "1"]
