"""What a form holds in its `form_pending` slot while it asks a clarifying question of its own
("Do you want to stop here?", "Shall we switch?"): which question, and for a switch, the journey
and what the message named. Stored as JSON, read back typed."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

PENDING = "form_pending"


class Ask(Enum):
    STOP = "stop"  # whether to stop the form
    SWITCH = "switch"  # whether to leave it for another journey


@dataclass(frozen=True)
class Pending:
    ask: Ask
    # For Ask.SWITCH: the journey and the entities the message named (GuidedFormValidation.switch_to).
    switch: dict[str, Any] = field(default_factory=dict)

    def to_slot(self) -> str:
        return json.dumps({"ask": self.ask.value, "switch": self.switch})

    @classmethod
    def from_slot(cls, value: Any) -> "Pending | None":
        """The slot's value read back; None when nothing (or nothing readable) is pending."""
        if not isinstance(value, str) or not value:
            return None
        if value == Ask.STOP.value:  # as stored before this was typed ("stop", "switch:{...}")
            return cls(Ask.STOP)
        if value.startswith("switch:"):
            value = json.dumps({"ask": "switch", "switch": json.loads(value[len("switch:"):] or "{}")})
        try:
            data = json.loads(value)
            return cls(Ask(data["ask"]), dict(data.get("switch") or {}))
        except (ValueError, KeyError, TypeError):
            return None
