"""Rasa's button payloads: "/intent{entities}", which Rasa reads as that intent with those
entities, skipping the NLU. Built here only, for the chat's buttons and Slack's directory."""
from __future__ import annotations

import json


def intent_payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities) if entities else "")
