"""Block Kit for everything the assistant posts itself (not the conversation's own replies):
requests with decision buttons, their decided state, the decline modals, the App Home and the
welcome message. Built with slack_sdk.models so Slack's shapes are checked, not hand-written.

Every piece of user-typed text reaching here was escaped by the service that wrote it."""
from __future__ import annotations

import json
from typing import Iterable

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.journeys.find_group import GroupView

# Slack's limits: a section's text, blocks per message or view, characters per message text.
SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100
TEXT_LIMIT = 40_000

# action_id of every button whose click is handled here rather than by the conversation.
INVITE_APPROVE, INVITE_DECLINE = "invite_approve", "invite_decline"
PROPOSAL_APPROVE, PROPOSAL_DECLINE = "proposal_approve", "proposal_decline"
SUPPORT_DONE, SUPPORT_DECLINE = "support_done", "support_decline"
DECISION_ACTIONS = {INVITE_APPROVE, INVITE_DECLINE, PROPOSAL_APPROVE, PROPOSAL_DECLINE, SUPPORT_DONE, SUPPORT_DECLINE}

# Outbox kinds that carry decision buttons: (approve action, its label, decline action).
DECISION_BUTTONS = {
    "invite_request": (INVITE_APPROVE, "Approve", INVITE_DECLINE),
    "group_proposal": (PROPOSAL_APPROVE, "Approve", PROPOSAL_DECLINE),
    "support_request": (SUPPORT_DONE, "Mark done", SUPPORT_DECLINE),
}


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where one is
    near, so a long message reads as several whole parts rather than one cut-off one."""
    pieces, rest = [], text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
            # Never split an escape such as "&amp;" in two.
            amp = window.rfind("&", limit - 6)
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces or [""]


def fallback_text(text: str) -> str:
    """The `text` of a message with blocks (notifications, screen readers): within Slack's limit."""
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def text_sections(text: str) -> list[SectionBlock]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(text)]


def with_decision_buttons(kind: str, text: str, reference: str) -> list[dict]:
    approve, approve_label, decline = DECISION_BUTTONS[kind]
    buttons = ActionsBlock(block_id=f"decide:{reference}", elements=[
        ButtonElement(text=approve_label, action_id=approve, value=reference, style="primary"),
        ButtonElement(text="Decline", action_id=decline, value=reference),
    ])
    sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, buttons]]


def decided(text: str, outcome: str) -> list[dict]:
    """A request's message once decided: the request as it was, the buttons replaced by who
    decided and how, so every recipient's copy shows that nobody else needs to act."""
    sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, ContextBlock(elements=[MarkdownTextObject(text=outcome)])]]


def render(kind: str, payload: dict) -> tuple[str, list[dict] | None]:
    """What an outbox message looks like in Slack: (text, blocks)."""
    text = payload.get("text", "")
    if kind in DECISION_BUTTONS and payload.get("reference"):
        return fallback_text(text), with_decision_buttons(kind, text, payload["reference"])
    if payload.get("blocks"):
        return fallback_text(text), payload["blocks"]
    if len(text) > SECTION_LIMIT:
        return fallback_text(text), [block.to_dict() for block in text_sections(text)[:MESSAGE_BLOCK_LIMIT]]
    return text, None


# ---------------------------------------------------------------- decline modal

REASON_BLOCK = "reason"
REASON_LIMIT = 500
DECLINE_TITLES = {INVITE_DECLINE: "Decline invite", PROPOSAL_DECLINE: "Decline proposal",
                  SUPPORT_DECLINE: "Decline request"}


def decline_modal(action_id: str, reference: str, *, reason_required: bool, context: dict) -> dict:
    """A modal asking for the reason (optional unless the policy needs one); private_metadata
    carries what the submission needs, since a modal submission has no message of its own."""
    label = "Reason for the proposer" if reason_required else "Reason (optional, shared with them)"
    return View(
        type="modal", callback_id=action_id, title=DECLINE_TITLES[action_id], submit="Decline", close="Cancel",
        private_metadata=json.dumps({"reference": reference, **context}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"Declining *{reference}*. The person who asked will be told.")),
            InputBlock(block_id=REASON_BLOCK, label="Reason", optional=not reason_required,
                       hint=label, element=PlainTextInputElement(action_id=REASON_BLOCK, multiline=True,
                                                                max_length=REASON_LIMIT)),
        ],
    ).to_dict()


# ---------------------------------------------------------------- directory, App Home, welcome

def _join_button(group: GroupView) -> ButtonElement:
    group_json = json.dumps({"group": group.name})
    if group.is_closed:
        return ButtonElement(text="Request an invite", action_id=f"dir_join:{group.slug}",
                             value=f"/join_group{group_json}")
    return ButtonElement(text="Join", action_id=f"dir_join:{group.slug}", value=f"/join_group{group_json}",
                         style="primary")


def directory_blocks(groups: Iterable[GroupView]) -> list:
    from bot.slack.markup import escape_mrkdwn

    blocks = []
    for group in groups:
        kind = "closed group: ask to join" if group.type == "closed" else (
            "open, with a closed part" if group.type == "both" else "open group: anyone can join")
        text = f"*{escape_mrkdwn(group.name)}* ({kind})\n{escape_mrkdwn(group.purpose)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=split_text(text)[0]), accessory=_join_button(group)))
    return blocks


def home_view(*, groups: list[GroupView], my_lines: list[str], organiser_lines: list[str],
              team_lines: list[str]) -> dict:
    blocks: list = [HeaderBlock(text="Community groups"),
                    SectionBlock(text=MarkdownTextObject(
                        text="Open groups are for anyone; closed groups are for people who share an experience "
                             "or identity, and you ask their organisers to join. Message me any time to find a "
                             "group, start one, ask about support, or raise something in confidence."))]
    if team_lines:
        blocks += [DividerBlock(), HeaderBlock(text="For the D&I service team"), *text_sections("\n".join(team_lines))]
    if organiser_lines:
        blocks += [DividerBlock(), HeaderBlock(text="Waiting for you as an organiser"),
                   *text_sections("\n".join(organiser_lines))]
    blocks += [DividerBlock(), HeaderBlock(text="Your requests"),
               *text_sections("\n".join(my_lines) if my_lines else "You haven't asked me for anything yet.")]
    blocks += [DividerBlock(), HeaderBlock(text="Directory")]
    room = HOME_BLOCK_LIMIT - len(blocks) - 1
    directory = directory_blocks(groups)
    blocks += directory[:room]
    if len(directory) > room:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="…and more: ask me to *list the groups*.")))
    return View(type="home", blocks=blocks).to_dict()


def welcome_blocks(groups: list[GroupView]) -> tuple[str, list[dict]]:
    text = ("Welcome! I'm the community groups assistant. The company has open groups anyone can join and "
            "closed groups for people who share an experience or identity. Here they are; press a button, "
            "or message me to find a group, start one, or ask about support.")
    blocks = [SectionBlock(text=MarkdownTextObject(text=text)), DividerBlock(),
              *directory_blocks(groups)[: MESSAGE_BLOCK_LIMIT - 2]]
    return text, [block.to_dict() for block in blocks]
