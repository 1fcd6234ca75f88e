"""The App Home tab: the directory, the person's requests, what waits for them as an
organiser, and for the D&I service team what is pending (counts only)."""
from __future__ import annotations

from bot.journeys.overview import overview_for
from bot.slack.blocks import home_view
from bot.slack.markup import escape_mrkdwn, mention


def home_for(user_id: str, uow_factory) -> dict:
    overview = overview_for(user_id, uow_factory)
    mine = [f"• {escape_mrkdwn(view.line())}" for view in overview.mine]
    organiser_lines = [f"• {w.reference}: {mention(w.requester)} would like to join *{escape_mrkdwn(w.group)}* "
                       f"(since {w.since:%-d %b}). The Approve and Decline buttons are in my message to you."
                       for w in overview.waiting_as_organiser]
    team_lines = []
    if overview.team is not None:
        team_lines = [f"• Group proposals waiting for a decision: *{overview.team.pending_proposals}*",
                      f"• Open cases with the D&I service team: *{overview.team.open_cases}* "
                      "(details stay in the case system, never here)"]
    return home_view(groups=overview.groups, my_lines=mine, organiser_lines=organiser_lines, team_lines=team_lines)
