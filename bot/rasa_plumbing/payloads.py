"""Rasa's button payloads: "/intent{entities}", which Rasa reads as that intent with those
entities, skipping the NLU. Built here only, for the chat's buttons and Slack's directory."""
from __future__ import annotations

import json
import re


def intent_payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities) if entities else "")


# A button's payload: "/intent" or "/intent{json}" (Rasa's own form). Anything else that starts
# with "/" was typed.
PAYLOAD_RE = re.compile(r"/[A-Za-z_][\w-]*(\{.*\})?", re.S)


def is_payload(text: str) -> bool:
    return bool(PAYLOAD_RE.fullmatch((text or "").strip()))
