"""Slack's markup, in and out: the one place user-typed text is made safe to show, and what
Slack sends turned back into what the person typed."""
from __future__ import annotations

import html
import re

from bot.nlu import reader

SLACK_USER_ID_RE = re.compile(r"\A[UW][A-Z0-9]{2,}\Z")
# "@Sam" typed in Slack arrives as <@U0123ABCD>, or <@U0123ABCD|sam> from older clients.
USER_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")
LINK_RE = re.compile(r"<(?:mailto:|https?://)[^|>]*\|([^>]*)>")
BARE_LINK_RE = re.compile(r"<((?:https?://)[^|>]*)>")
# "#climate-action" typed in Slack arrives as <#C0123|climate-action>, or without the name.
CHANNEL_RE = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences, so typed text can
    never ping @here, mention someone or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote_user_text(text: str, limit: int = 60) -> str:
    """A short, escaped excerpt of what someone typed, for echoing back to them."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape_mrkdwn(text)


def mention(user_id: str | None) -> str:
    """A mention of a Slack user, only ever for something shaped like a Slack user id."""
    return f"<@{user_id}>" if user_id and SLACK_USER_ID_RE.match(user_id) else "someone"


def mention_recipient(slack_id: str) -> str:
    """A channel (C…/G…) or a person, as Slack shows them."""
    return f"<#{slack_id}>" if slack_id[:1] in "CG" and SLACK_USER_ID_RE.match("U" + slack_id[1:]) else mention(slack_id)


def mentioned_users(text: str) -> list[str]:
    """The user ids of the people @-mentioned in what Slack sent, each once, in order."""
    return list(dict.fromkeys(USER_MENTION_RE.findall(text or "")))


# "@Marcus Lee" typed without choosing them from Slack's list (or over a channel with no Slack):
# a name after @, its further words capitalised ("@Marcus Lee and me" is Marcus Lee).
TYPED_AT_NAME_RE = re.compile(r"(?<![\w<])@(?![UW][A-Z0-9]{6,}\b)([^\W\d_][\w'.-]*(?:[ \t]+[A-Z][\w'-]*){0,2})")


def typed_at_names(text: str) -> list[str]:
    """Names typed after an @ that Slack did not turn into a mention, each once, as typed."""
    return list(dict.fromkeys(name.strip(" .'-") for name in TYPED_AT_NAME_RE.findall(USER_MENTION_RE.sub(" ", text or ""))
                              if name.strip(" .'-")))


def unmentioned_names(text: str) -> list[str]:
    """Names typed as plain text rather than @-mentioned ("Priya", "Jo Bloggs"): only a
    mention says who someone is in Slack."""
    rest = USER_MENTION_RE.sub(",", text or "")
    names = (" ".join(name.split()).strip(" .") for name in re.split(r",|\band\b|&|\n|;|\+", rest))
    return [name[:120] for name in names if name and not reader.names_nobody_else(name)]


def unnamed_channels(text: str) -> set[str]:
    """The ids of channel mentions that came without the channel's name."""
    return {m.group(1) for m in CHANNEL_RE.finditer(text or "") if not m.group(2)}


def clean_user_text(text: str, channel_names: dict[str, str] | None = None) -> str:
    """What Slack sends, as the person typed it: links shown by their label or address, channel
    mentions as "#name" (from `channel_names` when Slack sent only the id, else "a channel"),
    and Slack's escaping of &, < and > undone (replies escape again wherever text is echoed)."""
    names = channel_names or {}
    text = BARE_LINK_RE.sub(r"\1", LINK_RE.sub(r"\1", text or ""))
    # A channel that isn't a group's, sent without its name: its id would mean nothing to anyone.
    text = CHANNEL_RE.sub(lambda m: f"#{m.group(2)}" if m.group(2) else
                          f"#{names[m.group(1)]}" if m.group(1) in names else "a channel", text)
    return html.unescape(text).strip()
