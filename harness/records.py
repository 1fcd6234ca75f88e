"""Helpers for journey tests: what the assistant wrote to the database, and a group of type
"both", which the demo registry doesn't have."""
from __future__ import annotations

import yaml
from sqlalchemy import func, select

from bot.core.models import Case, GroupProposal, InviteRequest, Membership, OutboxMessage, SupportRequest
from bot.journeys.registry import export_registry, import_registry

NOTHING_SENT = "Nothing has been sent"


def rows(assistant, model, *where) -> list:
    uow = assistant.uow()
    with uow:
        found = list(uow.session.scalars(select(model).where(*where)))
        uow.session.expunge_all()  # keep them readable after the unit of work closes
        return found


def count(assistant, model, *where) -> int:
    uow = assistant.uow()
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def outbox_for(assistant, reference: str) -> list[OutboxMessage]:
    return [m for m in rows(assistant, OutboxMessage) if (m.payload or {}).get("reference") == reference]


def everything_of(assistant, sender: str) -> dict[str, int]:
    """How many records of each kind this person has: to show a stopped flow wrote nothing."""
    return {
        "invites": count(assistant, InviteRequest, InviteRequest.requester_slack_id == sender),
        "memberships": count(assistant, Membership, Membership.slack_user_id == sender),
        "proposals": count(assistant, GroupProposal, GroupProposal.proposer_slack_id == sender),
        "support": count(assistant, SupportRequest, SupportRequest.requester_slack_id == sender),
        "cases": count(assistant, Case, Case.reporter_slack_id == sender),
    }


BOTH_GROUP = {
    "slug": "over-50s", "name": "Over 50s Network", "type": "both",
    "purpose": "Colleagues over fifty, and their allies, sharing experience and pushing for age-inclusive work.",
    "meeting": "Monthly coffee on Google Meet, second Tuesday at 10:00.",
    "slack_channel_id": "C0OVER5001", "slack_channel_name": "over-50s",
    "closed_slack_channel_id": "C0OVER5002", "closed_slack_channel_name": "over-50s-members",
    "criteria": "You are 50 or over.", "how_to_ask": "Ask me to request an invite, or message the organiser.",
    "aliases": ["over fifties", "50 plus"], "topics": ["age", "older colleagues"],
    "organisers": [{"slack_user_id": "U0OVER5001", "name": "Jo Bloggs"}],
}


# Another group of type "both", which no model was trained on (found by the live registry alone).
BOARD_GAMES = {
    "slug": "board-games", "name": "Board Games Club", "type": "both", "purpose": "Board games.",
    "meeting": "Thursdays.", "criteria": "Anyone who likes games; the closed table is for experts.",
    "how_to_ask": "Ask an organiser.", "topics": ["tabletop"],
    "slack_channel_id": "C0BOARD001", "slack_channel_name": "board-gamers",
    "closed_slack_channel_id": "G0BOARD002", "closed_slack_channel_name": "meeple-experts",
    "organisers": [{"slack_user_id": "U0BOARD001", "name": "Pat Jones"}],
}


def add_group(uow, group: dict) -> str:
    """Add `group` to the registry in `uow`'s database, keeping every group already there.
    Returns the registry before, to put back with bot.journeys.registry.import_registry."""
    before = export_registry(uow)
    registry = yaml.safe_load(before)
    registry["groups"].append(group)
    import_registry(yaml.safe_dump(registry, sort_keys=False, allow_unicode=True), uow)
    return before


def add_both_group(uow) -> str:
    """Add a group of type "both" (an open channel plus a closed space)."""
    return add_group(uow, BOTH_GROUP)


def add_board_games(uow) -> str:
    return add_group(uow, BOARD_GAMES)


def nlu_examples() -> list[tuple[str, str]]:
    """Every (intent, example) in data/nlu/, entity markup taken out: "join [WiT](group)" -> "join WiT"."""
    import re
    from pathlib import Path

    found = []
    for path in sorted((Path(__file__).resolve().parent.parent / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu") or []:
            for line in (item.get("examples") or "").splitlines() if "intent" in item else ():
                line = line.strip()
                if line.startswith("- "):
                    found.append((item["intent"], re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:])))
    return found


def environment_cipher():
    """The cipher the environment configures now (a test that changes the key reads with the new one)."""
    from bot.core.crypto import Cipher
    from bot.core.settings import load_settings

    return Cipher(load_settings())
