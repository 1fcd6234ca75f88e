"""Making user-typed text safe to show in Slack messages."""
from __future__ import annotations


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
