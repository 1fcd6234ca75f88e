"""Block Kit for everything the assistant posts itself (not the conversation's own replies):
requests with decision buttons, their decided state, the decline modals, the App Home and the
welcome message. Built with slack_sdk.models so Slack's shapes are checked, not hand-written.
Text reaching here is already mrkdwn (bot.slack.notices escapes what people typed); values
put into blocks here are escaped here."""
from __future__ import annotations

import json
from typing import Iterable

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ContextBlock, DividerBlock, HeaderBlock, InputBlock,
                                     MarkdownTextObject, PlainTextInputElement, SectionBlock)
from slack_sdk.models.views import View

from bot.journeys.decidable import Decidable
from bot.journeys.find_group import GroupView, directory_entry
from bot.rasa_plumbing.payloads import intent_payload
from bot.slack.markup import escape_mrkdwn

# Slack's limits: a section's text, blocks per message or view, characters per message text.
SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100
TEXT_LIMIT = 40_000

# Opens the window a receipt code is typed into (bot.slack.handle_case): on the App Home for
# everyone, as nothing else lists an anonymous case.
CHECK_CODE_ACTION = "case_check_code"


def note_modal(title: str, text: str) -> dict:
    """A modal that only says something: what became of a case sent or acted on from a window."""
    return View(type="modal", title=title, close="Close",
                blocks=[SectionBlock(text=MarkdownTextObject(text=text))]).to_dict()


def check_code_button() -> ButtonElement:
    return ButtonElement(text="Check a case with a code", action_id=CHECK_CODE_ACTION, value="check")


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


def with_decision_buttons(kind: Decidable, text: str, reference: str) -> list[dict]:
    buttons = ActionsBlock(block_id=f"decide:{reference}", elements=[
        ButtonElement(text=kind.approve_label, action_id=kind.approve_action, value=reference, style="primary"),
        ButtonElement(text="Decline", action_id=kind.decline_action, value=reference),
    ])
    sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, buttons]]


def decided(text: str, outcome: str) -> list[dict]:
    """A request's message once decided: the request as it was, the buttons replaced by who
    decided and how, so every recipient's copy shows that nobody else needs to act."""
    sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, ContextBlock(elements=[MarkdownTextObject(text=outcome)])]]


# ---------------------------------------------------------------- decline modal

REASON_BLOCK = "reason"
REASON_LIMIT = 500


def decline_modal(kind: Decidable, reference: str, *, context: dict) -> dict:
    """A modal asking for the reason (optional unless the policy needs one); private_metadata
    carries what the submission needs, since a modal submission has no message of its own."""
    label = "Reason for the proposer" if kind.reason_required else "Reason (optional, shared with them)"
    return View(
        type="modal", callback_id=kind.decline_action, title=kind.decline_title, submit="Decline", close="Cancel",
        private_metadata=json.dumps({"reference": reference, **context}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"Declining *{reference}*. The person who asked will be told.")),
            InputBlock(block_id=REASON_BLOCK, label="Reason", optional=not kind.reason_required,
                       hint=label, element=PlainTextInputElement(action_id=REASON_BLOCK, multiline=True,
                                                                max_length=REASON_LIMIT)),
        ],
    ).to_dict()


# ---------------------------------------------------------------- directory, App Home, welcome

KIND_OF_GROUP = {"closed": "closed group: ask to join", "both": "open, with a closed part",
                 "open": "open group: anyone can join"}


def _join_payload(name: str, part: str | None = None) -> str:
    return intent_payload("join_group", group=name, **({"group_part": part} if part else {}))


def directory_blocks(groups: Iterable[dict], room: int) -> tuple[list, bool]:
    """A section per group with its button: Join (open), Request an invite (closed), and for a
    group with an open channel and a closed space, both, so the person chooses. Whole groups
    only, within `room` blocks; the flag says whether some didn't fit."""
    blocks: list = []
    for group in groups:
        entry = _directory_entry_blocks(group)
        if len(blocks) + len(entry) > room:
            return blocks, True
        blocks += entry
    return blocks, False


def _directory_entry_blocks(group: dict) -> list:
    name, slug = group["name"], group["slug"]
    text = MarkdownTextObject(text=split_text(f"*{escape_mrkdwn(name)}* ({KIND_OF_GROUP[group['type']]})\n"
                                              f"{escape_mrkdwn(group['purpose'])}")[0])
    if group["type"] == "both":
        return [SectionBlock(text=text), ActionsBlock(elements=[
            ButtonElement(text="Join the open channel", action_id=f"dir_join:{slug}", style="primary",
                          value=_join_payload(name, "open")),
            ButtonElement(text="Request the closed space", action_id=f"dir_join:{slug}:closed",
                          value=_join_payload(name, "closed"))])]
    if group["type"] == "closed":
        return [SectionBlock(text=text, accessory=ButtonElement(
            text="Request an invite", action_id=f"dir_join:{slug}", value=_join_payload(name)))]
    return [SectionBlock(text=text, accessory=ButtonElement(
        text="Join", action_id=f"dir_join:{slug}", value=_join_payload(name), style="primary"))]


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
               *text_sections("\n".join(my_lines) if my_lines else "You haven't asked me for anything yet."),
               # (an anonymous case is listed nowhere: its code brings it back)
               SectionBlock(text=MarkdownTextObject(text="Sent a case anonymously? Its receipt code brings it back."),
                            accessory=check_code_button())]
    blocks += [DividerBlock(), HeaderBlock(text="Directory")]
    directory, more = directory_blocks((directory_entry(g) for g in groups), room=HOME_BLOCK_LIMIT - len(blocks) - 1)
    blocks += directory
    if more:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="…and more: ask me to *list the groups*.")))
    return View(type="home", blocks=blocks).to_dict()


def welcome_blocks(text: str, groups: list[dict]) -> list[dict]:
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=text)), DividerBlock()]
    directory, more = directory_blocks(groups, room=MESSAGE_BLOCK_LIMIT - len(blocks) - 1)
    blocks += directory
    if more:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="…and more: ask me to *list the groups*.")))
    return [block.to_dict() for block in blocks]
