"""The App Home tab: the directory, the person's requests, what waits for them as an
organiser, for the D&I service team the proposals pending (a count), and for someone who
handles cases, their cases (reference, category, status, age; what happened only in the
case modal), and for a case team's lead, the team's cases with their acknowledgement deadlines
and how they are going (counts under 5 suppressed).
Nobody else sees any case."""
from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.journeys.find_group import directory_entry
from bot.journeys.overview import overview_for
from bot.slack.blocks import HOME_BLOCK_LIMIT, directory_blocks, home_view
from bot.slack.case_views import home_case_blocks, home_figures_blocks, home_team_case_blocks
from bot.slack.markup import escape_mrkdwn, mention

# Room for cases on the Home; the rest are one line away in the handler's DMs.
HOME_CASES = 20


def home_for(user_id: str, uow_factory) -> dict:
    overview = overview_for(user_id, uow_factory)
    mine = [f"• {escape_mrkdwn(view.line())}" for view in overview.mine]
    organiser_lines = [f"• {w.reference}: {mention(w.requester)} would like to join *{escape_mrkdwn(w.group)}* "
                       f"(since {w.since:%-d %b}). The Approve and Decline buttons are in my message to you."
                       for w in overview.waiting_as_organiser]
    team_lines = []
    if overview.team is not None:
        team_lines = [f"• Group proposals waiting for a decision: *{overview.team.pending_proposals}*"]
    view = home_view(groups=overview.groups, my_lines=mine, organiser_lines=organiser_lines, team_lines=team_lines)
    if not overview.cases and not overview.team_cases and overview.figures is None:
        return view
    return _with_cases(view, overview, user_id)


def _with_cases(view: dict, overview, user_id: str) -> dict:
    """"Your cases" and, for a lead, "Your team's cases" after the introduction; the directory
    is refilled to what still fits."""
    cases: list = []
    if overview.cases:
        cases += [DividerBlock(), HeaderBlock(text="Your cases"),
                  *home_case_blocks(overview.cases[:HOME_CASES], user_id)]
        if len(overview.cases) > HOME_CASES:
            cases.append(ContextBlock(elements=[MarkdownTextObject(
                text=f"…and {len(overview.cases) - HOME_CASES} more: each is in my message to you about it.")]))
    if overview.team_cases:
        cases += [DividerBlock(), HeaderBlock(text="Your team's cases"),
                  *home_team_case_blocks(overview.team_cases[:HOME_CASES])]
        if len(overview.team_cases) > HOME_CASES:
            cases.append(ContextBlock(elements=[MarkdownTextObject(
                text=f"…and {len(overview.team_cases) - HOME_CASES} older ones.")]))
    if overview.figures is not None:
        cases += [DividerBlock(), HeaderBlock(text="How your team's cases are going"),
                  *home_figures_blocks(overview.figures)]
    blocks = view["blocks"]
    directory_at = next(i for i, b in enumerate(blocks)
                        if b["type"] == "header" and b["text"]["text"] == "Directory") + 1
    head = [*blocks[:2], *(b.to_dict() for b in cases), *blocks[2:directory_at]]
    directory, more = directory_blocks((directory_entry(g) for g in overview.groups),
                                       room=HOME_BLOCK_LIMIT - len(head) - 1)
    tail = [b.to_dict() for b in directory]
    if more:
        tail.append(SectionBlock(text=MarkdownTextObject(text="…and more: ask me to *list the groups*.")).to_dict())
    return View(type="home", blocks=[*head, *tail]).to_dict()
