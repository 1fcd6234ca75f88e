"""How a confidential case looks in Slack, for its handlers and its reporter: the notices
(`case_notice` to each eligible handler, `case_assigned` to a new assignee, `case_update` and
`case_message` to the reporter, `case_reporter` to the handlers when the reporter writes or
withdraws), the *Open* and *Acknowledge* buttons, the case modal, the reporter's modal (*Reply*,
*Add information*, *Withdraw*) and the App Home's lines. The listeners that act on them are in
bot.slack.handle_case.

What happened is shown only inside the modal a handler opens (views.open with their click's
trigger): never in a message, never in `private_metadata` (which holds the reference only),
never in a log line (the clients log through bot.slack.api's quiet logger). The thread with
the reporter is shown to the handlers in that modal, and to the reporter in theirs; a handler's
message also reaches the reporter as a DM, which is where they read it.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ConfirmObject, ContextBlock, DividerBlock,
                                     HeaderBlock, InputBlock, MarkdownTextObject, Option, PlainTextInputElement,
                                     SectionBlock, StaticSelectElement)
from slack_sdk.models.views import View

from bot.core.crypto import Cipher
from bot.core.receipts import ANONYMOUS
from bot.core.errors import AlreadyDone, DomainError
from bot.core.models import CaseStatus, as_utc, utcnow
from bot.core.notices import (CaseAssignedNotice, CaseHeldNotice, CaseMessageNotice, CaseNotice, CaseReleasedNotice,
                              CaseReporterNotice, CaseUpdateNotice)
from bot.core.routing import sentence_start
from bot.journeys import handle_case
from bot.core.constants import SMALLEST_SHOWN
from bot.journeys.case_figures import FEWER, CaseFigures
from bot.journeys.case_reporter import CLOSED_TO_MORE, ReporterView
from bot.journeys.handle_case import HANDLER_STATUSES, STATUS_LABELS, CaseView, FieldProblem, Updated
from bot.journeys.raise_issue import reachable_in_slack
from bot.slack.blocks import HOME_BLOCK_LIMIT, MESSAGE_BLOCK_LIMIT, check_code_button, split_text, text_sections
from bot.slack.markup import escape_mrkdwn as e
from bot.slack.markup import mention

log = logging.getLogger(__name__)

OPEN_ACTION = "case_open"
ACKNOWLEDGE_ACTION = "case_acknowledge"
REOPEN_ACTION = "case_reopen"
FORM = "case_form"  # the modal's callback id
STATUS, OUTCOME, NOTE, ASSIGNEE, MESSAGE = "status", "outcome", "note", "assignee", "message"  # block and action ids
# The reporter's side: open their modal (to reply or add information), withdraw; the modal's callback id.
WRITE_ACTION = "case_write"
WITHDRAW_ACTION = "case_withdraw"
REPORTER_FORM = "case_reporter_form"
WRITTEN = "written"  # the reporter modal's input
# An anonymous case's reporter: the button that opens the code's modal (App Home, the DM that
# there's news, the conversation's last word), that modal, the case's modal and its withdraw.
CODE_FORM, CODE = "case_code_form", "code"
CODE_HOLDER_FORM = "case_code_holder_form"
CODE_WITHDRAW_ACTION = "case_code_withdraw"
# A held case's reporter: send it now, keep it waiting, delete it (from its DM, or the code holder's modal).
HOLD_SEND_ACTION, HOLD_KEEP_ACTION, HOLD_DELETE_ACTION = "case_hold_send", "case_hold_keep", "case_hold_delete"
DANDI_OR_PEOPLE = "the D&I service team or the People team"


# ---------------------------------------------------------------- wording

def _when(moment: datetime) -> str:
    return f"{moment:%-d %b %Y}"


def age_words(moment: datetime, now: datetime | None = None) -> str:
    days = max(((now or utcnow()) - as_utc(moment)).days, 0)
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def raised_by(reporter: str) -> str:
    """Who raised a case, for its handlers: a mention in Slack; else where it came from."""
    if reporter == ANONYMOUS:
        return "someone who chose to stay anonymous"
    if reachable_in_slack(reporter):
        return mention(reporter)
    return "someone outside Slack (they can't be messaged here)" if reporter else "someone"


def on_behalf_line(on_behalf: bool, may_be_named: bool | None) -> str:
    if not on_behalf:
        return ""
    named = {True: "they may be named", False: "they would rather not be named"}.get(
        may_be_named, "whether they may be named wasn't said")
    return f"Raised on someone's behalf, with their agreement; {named}."


def _period(days: int) -> str:
    """90 -> "three months": how the reporter is told when they'll hear."""
    months = {30: "a month", 60: "two months", 90: "three months", 120: "four months", 180: "six months"}
    return months.get(days, f"{days} days")


def refusal_text(refused: DomainError) -> str:
    text = e(str(refused))
    if isinstance(refused, AlreadyDone) and refused.decided_by and text.endswith("."):
        text = f"{text[:-1]} by {mention(refused.decided_by)}."
    return text


def _reporter_told(done: Updated) -> str:
    return ("The person who raised it has been told." if done.reporter_told else
            "They can't be told in Slack, so they'll see it when they check on it.")


def acknowledged_text(done: Updated) -> str:
    return f"Thanks: *{done.reference}* is acknowledged and with you. {_reporter_told(done)}"


def reopened_text(done: Updated) -> str:
    return (f"*{done.reference}* is reopened: it's in progress again, with {mention(done.assignee)}. "
            f"{_reporter_told(done)}")


def saved_text(done: Updated) -> str:
    """To the handler, once the case modal is saved: what changed (never the note itself), and
    whether the person who raised it was told."""
    changed = {"status": f"it is now {done.status_label.lower()}",
               "assignee": f"it's with {mention(done.assignee)}" if done.assignee else "it's with nobody",
               "note": "your note is kept with it",
               "message": "your message is on its way to the person who raised it"}
    said = [changed[what] for what in ("status", "assignee", "note", "message") if what in done.changed]
    if not said:
        return f"Nothing changed on *{done.reference}*."
    told = " The person who raised it has been told." if done.reporter_told else ""
    return f"Saved *{done.reference}*: {'; '.join(said)}.{told}"


# ---------------------------------------------------------------- notices (outbox kinds)

def case_notice_text(n: CaseNotice) -> str:
    raised = as_utc(datetime.fromisoformat(n.raised_at))
    due = raised + timedelta(days=int(n.acknowledge_days or 7))
    lines = [f":lock: *New confidential case {n.reference}*",
             f"*Category:* {e(n.category)}", f"*For:* {e(n.team)}",
             f"*Raised:* {_when(raised)} ({age_words(raised)}) by {raised_by(n.reporter)}"]
    behalf = on_behalf_line(bool(n.on_behalf), n.may_be_named)
    if behalf:
        lines.append(behalf)
    lines.append(f"Please acknowledge it by *{_when(due)}*. What happened is shown only when you open it, "
                 "and each opening is recorded.")
    return "\n".join(lines)


def _buttons(reference: str, *, acknowledge: bool) -> ActionsBlock:
    elements = [ButtonElement(text="Open", action_id=OPEN_ACTION, value=reference, style="primary")]
    if acknowledge:
        elements.append(ButtonElement(text="Acknowledge", action_id=ACKNOWLEDGE_ACTION, value=reference))
    return ActionsBlock(block_id=f"case:{reference}", elements=elements)


def case_notice_blocks(n: CaseNotice) -> list[dict]:
    sections = text_sections(case_notice_text(n))[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, _buttons(n.reference, acknowledge=True)]]


def case_assigned_text(n: CaseAssignedNotice) -> str:
    raised = as_utc(datetime.fromisoformat(n.raised_at))
    lines = [f"{mention(n.by)} has passed confidential case *{n.reference}* to you.",
             f"*Category:* {e(n.category)}", f"*For:* {e(n.team)}",
             f"*Raised:* {_when(raised)} ({age_words(raised)}) by {raised_by(n.reporter)}",
             f"*Status:* {STATUS_LABELS.get(CaseStatus(n.status), n.status)}"]
    behalf = on_behalf_line(bool(n.on_behalf), n.may_be_named)
    if behalf:
        lines.append(behalf)
    return "\n".join(lines)


def case_assigned_blocks(n: CaseAssignedNotice) -> list[dict]:
    sections = text_sections(case_assigned_text(n))[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, _buttons(n.reference, acknowledge=False)]]


def with_outcome_opened(n: CaseUpdateNotice, cipher: Cipher | None) -> CaseUpdateNotice:
    """The notice with its outcome token decrypted, in memory, for rendering."""
    return replace(n, outcome=opened(n.outcome, cipher, "the outcome")) if n.outcome else n


def case_update_text(n: CaseUpdateNotice) -> str:
    """To the person who raised the case, in the bot's own voice (its outcome opened first)."""
    ref, team, status = n.reference, e(n.team), n.status
    feedback = (f"You'll hear how it's going within {_period(int(n.feedback_days or 90))}, "
                "unless it's closed before then.")
    talk = f"If you'd like to talk to someone in the meantime, {DANDI_OR_PEOPLE} is here for you."
    if n.reopened:
        return (f"Your case *{ref}* has been reopened: {team} is looking into it again. {feedback} {talk}")
    if status == CaseStatus.closed.value:
        return (f"Your case *{ref}* has been closed by {team}.\n*Outcome:* {e(n.outcome or '')}\n"
                f"Thank you for raising it. If you'd like to talk about it, {DANDI_OR_PEOPLE} is here for you.")
    if n.acknowledged:
        now = {CaseStatus.in_progress.value: " and they're now looking into it",
               CaseStatus.waiting_for_reporter.value: ", and they'd like to hear from you: they'll get in touch"
               }.get(status, "")
        return (f"Thank you for raising your case *{ref}*. {sentence_start(team)} has acknowledged it{now}. "
                f"{feedback} {talk}")
    if status == CaseStatus.in_progress.value:
        return f"An update on your case *{ref}*: {team} is now looking into it. {talk}"
    if status == CaseStatus.waiting_for_reporter.value:
        return (f"An update on your case *{ref}*: {team} would like to hear from you, and they'll get in touch "
                f"with you directly. {talk}")
    return f"An update on your case *{ref}*: it's with {team}, acknowledged. {talk}"


def opened(token: str | None, cipher: Cipher | None, what: str = "the message") -> str:
    """An outcome or a message carried as a token, decrypted in memory for rendering; without
    the cipher (a delivery-failure report) or with a key removed too soon, a line saying so
    rather than failing the delivery for ever."""
    try:
        if cipher is None:
            raise DomainError("no cipher")
        return cipher.decrypt((token or "").encode())
    except DomainError:
        return f"({what} can't be shown here: please ask the team)"


def case_message_text(n: CaseMessageNotice) -> str:
    """To the person who raised the case: the team's message (opened first), and how to answer."""
    quoted = "\n".join(f">{line}" for line in e(n.message or "").splitlines() or [">"])
    return (f"A message from {e(n.team)} about your case *{n.reference}*:\n{quoted}\n"
            "To answer, press *Reply*: what you write goes straight to your case, and only the people handling "
            "it can read it.")


def reporter_buttons(reference: str, *, first: str) -> ActionsBlock:
    """The reporter's buttons on their case's DMs: write to the team (`first`: Reply, or Add
    information), or withdraw it (Slack asks them to confirm)."""
    return ActionsBlock(block_id=f"reporter:{reference}", elements=[
        ButtonElement(text=first, action_id=WRITE_ACTION, value=reference, style="primary"),
        ButtonElement(text="Withdraw the case", action_id=WITHDRAW_ACTION, value=reference, confirm=ConfirmObject(
            title="Withdraw this case?", confirm="Withdraw", deny="Keep it",
            text=f"{reference} will be closed and the team told you've withdrawn it."))])


def reporter_blocks(text: str, reference: str, *, first: str) -> list[dict]:
    sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
    return [block.to_dict() for block in [*sections, reporter_buttons(reference, first=first)]]


def case_reporter_text(n: CaseReporterNotice) -> str:
    """To each handler: the person who raised a case wrote, or withdrew it (never what they wrote)."""
    if n.did == "withdrew":
        return (f":lock: Confidential case *{n.reference}* ({e(n.category)}) has been withdrawn by "
                f"{raised_by(n.reporter)}, who raised it, so it's closed. You can reopen it if they ask you to.")
    return (f":lock: {raised_by(n.reporter)}, who raised confidential case *{n.reference}* ({e(n.category)}), "
            "has written to you. Open the case to read it.")


def case_reporter_blocks(n: CaseReporterNotice) -> list[dict]:
    sections = text_sections(case_reporter_text(n))[: MESSAGE_BLOCK_LIMIT - 1]
    if n.did == "withdrew":
        return [block.to_dict() for block in [*sections, ActionsBlock(block_id=f"case:{n.reference}", elements=[
            ButtonElement(text="Reopen", action_id=REOPEN_ACTION, value=n.reference)])]]
    return [block.to_dict() for block in [*sections, _buttons(n.reference, acknowledge=False)]]


def _reporter_view_blocks(view: ReporterView, head: str) -> list:
    """Where the case stands, the thread with the team and (unless it is closed) a box to write to them."""
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=head))]
    thread = _newest_first_fitting(
        [("You" if line.from_reporter else e(sentence_start(view.team_name)), line.at, line.text)
         for line in view.thread], HOME_BLOCK_LIMIT - 8, "Earlier messages are not shown.")
    if thread:
        blocks += [HeaderBlock(text="Messages"), *thread]
    if view.closed:
        outcome = f"\n*Outcome:* {e(view.outcome)}" if view.outcome else ""
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"This case {CLOSED_TO_MORE}{outcome}")))
    else:
        blocks += [DividerBlock(), InputBlock(
            block_id=WRITTEN, label="Your message", hint="A reply, or anything you'd like to add. It goes straight to "
            "your case, stored encrypted; only the people handling it can read it.",
            element=PlainTextInputElement(action_id=WRITTEN, multiline=True,
                                          max_length=handle_case.MESSAGE_MAX_CHARS))]
    return blocks


def reporter_modal(view: ReporterView) -> dict:
    """The case as the person who raised it sees it. `private_metadata`: the reference only."""
    head = f"*{view.reference}* · with {e(view.team_name)} · *{view.status_label}*"
    return View(type="modal", callback_id=REPORTER_FORM, title="Your case", close="Close",
                submit=None if view.closed else "Send", private_metadata=view.reference,
                blocks=_reporter_view_blocks(view, head)).to_dict()


# ---------------------------------------------------------------- an anonymous case, by its receipt code

# The DM to someone who raised a case anonymously and asked to be told: nothing more than this.
ANONYMOUS_NEWS = ("There's news on a case you raised anonymously. To read it, press *Check a case with a code* and "
                  "type your receipt code.")


def check_code_blocks(text: str) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=text)).to_dict(),
            ActionsBlock(block_id="check_code", elements=[check_code_button()]).to_dict()]


def code_modal() -> dict:
    """Where a receipt code is typed (never into the DM)."""
    return View(type="modal", callback_id=CODE_FORM, title="Check a case", submit="Check", close="Cancel", blocks=[
        SectionBlock(text=MarkdownTextObject(
            text="If you sent a case anonymously, type the receipt code I gave you to see where it stands, read "
                 "the team's messages, reply or withdraw it.")),
        InputBlock(block_id=CODE, label="Your receipt code", hint="Spaces, dashes and capitals don't matter.",
                   element=PlainTextInputElement(action_id=CODE, max_length=40, placeholder="XXXX-XXXX-XXXX-XXXX")),
    ]).to_dict()


def hold_buttons(value: str, *, asking: bool) -> ActionsBlock:
    """A held case's: send it now, keep waiting (when asked, the hold having run out), delete it.
    `value`: its reference (a DM), or "window" (the code holder's modal, whose metadata says which)."""
    buttons = [ButtonElement(text="Send it now", action_id=HOLD_SEND_ACTION, value=value, style="primary")]
    if asking:
        buttons.append(ButtonElement(text="Keep waiting", action_id=HOLD_KEEP_ACTION, value=value))
    buttons.append(ButtonElement(text="Delete it", action_id=HOLD_DELETE_ACTION, value=value, style="danger",
                                 confirm=ConfirmObject(title="Delete this case?", confirm="Delete", deny="Keep it",
                                                       text="It was never sent. Everything in it will be deleted.")))
    return ActionsBlock(block_id=f"hold:{value}", elements=buttons)


def case_held_text(n: CaseHeldNotice) -> str:
    if n.asking:
        return (f"Nobody else has reported the same person in the {n.hold_days} days your case *{n.reference}* has "
                f"been held, so it's still seen by nobody. Would you like me to send it to {e(n.team)} now, keep "
                "waiting, or delete it?" + (f" If I don't hear from you, I'll delete it in {n.delete_after_days} days."
                                            if n.delete_after_days else ""))
    return (f"Your case *{n.reference}* is held: nobody sees it, not even {e(n.team)}, until someone else raises "
            "something about the same person. Then I'll send it and tell you. You can send it now, or delete it, "
            "whenever you like.")


def case_held_blocks(n: CaseHeldNotice) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=case_held_text(n))).to_dict(),
            hold_buttons(n.reference, asking=n.asking).to_dict()]


def case_released_text(n: CaseReleasedNotice) -> str:
    days = f" They'll acknowledge it within {n.acknowledge_days} days and" if n.acknowledge_days else " They'll"
    return (f"Someone else has raised something about the same person, so your case *{n.reference}* has gone to "
            f"{e(n.team)}.{days} talk with you about what happens next.")


def code_holder_modal(view: ReporterView, window: str) -> dict:
    """The case as its anonymous reporter sees it, by its code. `private_metadata`: `window`, the
    reference sealed for a while (bot.slack.handle_case), so nothing here names the case in clear."""
    raised = "held" if view.held else "raised"
    head = (f"*{view.reference}* · {raised} anonymously on {_when(view.raised_at)} · for {e(view.team_name)} · "
            f"*{view.status_label}*")
    blocks = _reporter_view_blocks(view, head)
    if view.held:
        blocks.append(hold_buttons("window", asking=True))
    elif not view.closed:
        blocks.append(ActionsBlock(block_id="code_holder", elements=[ButtonElement(
            text="Withdraw the case", action_id=CODE_WITHDRAW_ACTION, value="withdraw", confirm=ConfirmObject(
                title="Withdraw this case?", confirm="Withdraw", deny="Keep it",
                text="It will be closed and the team told it's been withdrawn. Your code won't open it again "
                     "unless the team reopens it."))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(
        text="The team never sees who you are. Keep your code safe: it's the only way back to this case.")]))
    return View(type="modal", callback_id=CODE_HOLDER_FORM, title="Your case", close="Close",
                submit=None if view.closed else "Send", private_metadata=window, blocks=blocks).to_dict()


def written(body: dict) -> str:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return _value(state, WRITTEN) or ""


# ---------------------------------------------------------------- the modal

def _option(value: str, label: str) -> Option:
    return Option(value=value, label=label[:75])


def case_modal(view: CaseView) -> dict:
    """The case as its handler reads it, with the form to act on it. `private_metadata`
    carries the reference only."""
    assigned = f"Looked after by {mention(view.assignee)}" if view.assignee else "Nobody has taken it yet"
    head = (f"*{view.reference}* · {e(view.category)}\nFor {e(view.team_name)} · raised {_when(view.raised_at)} "
            f"({age_words(view.raised_at)}) by {raised_by(view.reporter)} · *{view.status_label}*\n{assigned}")
    if view.status == CaseStatus.open.value:
        head += f"\nPlease acknowledge it by {_when(view.acknowledge_by)}."
    top: list = [SectionBlock(text=MarkdownTextObject(text=head))]
    behalf = on_behalf_line(view.on_behalf, view.affected_person_may_be_named)
    if behalf:
        top.append(ContextBlock(elements=[MarkdownTextObject(text=behalf)]))
    top.append(ContextBlock(elements=[MarkdownTextObject(
        text=":lock: Confidential: please don't copy it into messages or channels. This opening is recorded.")]))
    top += [HeaderBlock(text="What happened"), *text_sections(e(view.narrative) or "(nothing was written)")]

    form: list = [DividerBlock()]
    if view.closed:
        form.append(SectionBlock(text=MarkdownTextObject(text="This case is closed; nothing more can be changed.")))
    else:
        statuses = [_option(s.value, STATUS_LABELS[s]) for s in HANDLER_STATUSES]
        current = next((o for o in statuses if o.value == view.status), None)
        handlers = [_option(h.slack_id, h.name or h.slack_id) for h in view.handlers]
        assignee = next((o for o in handlers if o.value == view.assignee), None)
        form += [
            InputBlock(block_id=STATUS, label="Status", optional=True, element=StaticSelectElement(
                action_id=STATUS, placeholder="Choose a status", options=statuses, initial_option=current)),
            InputBlock(block_id=OUTCOME, label="Outcome (needed to close)", optional=True,
                       hint="One short line. The person who raised it sees this when the case is closed.",
                       element=PlainTextInputElement(action_id=OUTCOME, max_length=handle_case.OUTCOME_MAX_CHARS)),
            InputBlock(block_id=NOTE, label="Internal note", optional=True,
                       hint="Encrypted. Only the people handling this case can read it; never the person who "
                            "raised it.",
                       element=PlainTextInputElement(action_id=NOTE, multiline=True,
                                                     max_length=handle_case.NOTE_MAX_CHARS)),
            InputBlock(block_id=ASSIGNEE, label="Looked after by", optional=True, element=StaticSelectElement(
                action_id=ASSIGNEE, placeholder="Choose someone on the team", options=handlers,
                initial_option=assignee)),
        ]
        if view.reporter_reachable:
            form.insert(3, InputBlock(
                block_id=MESSAGE, label="Message to the person who raised it", optional=True,
                hint=("They raised it anonymously: they'll read it when they next check the case with their receipt "
                      "code, and can reply there." if view.reporter == ANONYMOUS else
                      "Sent to them as a DM from me, with a button to reply.") + " Everyone handling this case sees "
                     "the messages here.",
                element=PlainTextInputElement(action_id=MESSAGE, multiline=True,
                                              max_length=handle_case.MESSAGE_MAX_CHARS)))

    # The thread with the person who raised it, then the notes, newest of each kept when the
    # view's block limit is near: one budget, at least half of it the thread's when there is one.
    room = HOME_BLOCK_LIMIT - len(top) - len(form) - 4  # two headers, two "earlier … not shown"
    thread = _newest_first_fitting(
        [("They wrote" if m.from_reporter else e(m.author_name) if m.author_name else mention(m.author), m.at, m.text)
         for m in view.messages], room - min(room // 2, _blocks_needed(view.notes)), "Earlier messages are not shown.")
    notes = _newest_first_fitting(
        [(e(n.author_name) if n.author_name else mention(n.author), n.at, n.text) for n in view.notes],
        room - len(thread), "Earlier notes are not shown.")
    talk = [HeaderBlock(text="Messages with the person who raised it"), *thread] if thread else []
    middle = [HeaderBlock(text="Internal notes"), *notes] if notes else []
    return View(type="modal", callback_id=FORM, title="Confidential case", close="Close",
                submit=None if view.closed else "Save", private_metadata=view.reference,
                blocks=[*top, *talk, *middle, *form]).to_dict()


def _entry_blocks(who: str, at: datetime, text: str) -> list:
    return text_sections(f"*{who}* · {at:%-d %b %Y %H:%M}\n{e(text)}")


def _blocks_needed(entries) -> int:
    return sum(len(_entry_blocks("", entry.at, entry.text)) for entry in entries)


def _newest_first_fitting(entries: list[tuple[str, datetime, str]], room: int, earlier: str) -> list:
    """The blocks of (who, when, text) entries, oldest first, keeping the newest that fit in
    `room` blocks (one of them, then, saying the earlier ones aren't shown)."""
    blocks: list = []
    for who, at, text in reversed(entries):
        pieces = _entry_blocks(who, at, text)
        if len(blocks) + len(pieces) > room - 1:
            blocks.insert(0, ContextBlock(elements=[MarkdownTextObject(text=earlier)]))
            break
        blocks[:0] = pieces
    return blocks


def _value(state: dict, block: str) -> str | None:
    field = (state.get(block) or {}).get(block) or {}
    if field.get("selected_option"):
        return field["selected_option"].get("value")
    return field.get("value")


def form_values(body: dict) -> dict:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return {"status": _value(state, STATUS), "outcome": _value(state, OUTCOME), "note": _value(state, NOTE),
            "assign_to": _value(state, ASSIGNEE), "message": _value(state, MESSAGE)}


def form_errors(body: dict) -> dict[str, str]:
    """What the modal must show beside a field before anything is written (Slack's
    `response_action: errors`); empty when the form is fine."""
    values = form_values(body)
    try:
        handle_case.check_update(values["status"], values["outcome"], values["note"])
        handle_case.check_message(values["message"])
    except FieldProblem as problem:
        return {problem.field: str(problem)}
    return {}


def home_case_blocks(lines: list, viewer: str) -> list:
    """"Your cases" on the App Home: reference, category, status and age, each with Open."""
    blocks: list = []
    for line in lines:
        mine = " · with you" if line.assignee and line.assignee == viewer else ""
        text = (f"*{line.reference}* · {e(line.category)}\n{line.status_label} · raised {age_words(line.raised_at)}"
                f" by {raised_by(line.reporter)} · {e(line.team_name)}{mine}")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=split_text(text)[0]), accessory=ButtonElement(
            text="Open", action_id=OPEN_ACTION, value=line.reference)))
    return blocks


def home_team_case_blocks(lines: list) -> list:
    """"Your team's cases" on a lead's App Home: status, age, the acknowledgement deadline and
    whether it was met. No Open button: a lead reads a case only as one of its handlers."""
    blocks: list = []
    for line in lines:
        if line.acknowledged_in_time is None:
            deadline = f"to acknowledge by {line.acknowledge_by:%-d %b}"
        elif line.acknowledged_in_time:
            deadline = f"acknowledged in time (by {line.acknowledge_by:%-d %b})"
        else:
            deadline = f":warning: not acknowledged by {line.acknowledge_by:%-d %b}"
        text = (f"*{line.reference}* · {e(line.category)} · {e(line.team_name)}\n{line.status_label} · raised "
                f"{age_words(line.raised_at)} · {deadline}")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=split_text(text)[0])))
    return blocks


def home_figures_blocks(figures: CaseFigures) -> list:
    """"How your team's cases are going" on a lead's App Home: counts only, small ones suppressed."""
    if figures.empty:
        return [SectionBlock(text=MarkdownTextObject(text="No cases yet."))]
    rows = "\n".join(f"• *{e(label)}*: " + ", ".join(f"{q} {cell}" for q, cell in zip(figures.quarters, cells))
                     for label, cells in figures.by_category)
    text = (f"{rows}\n*All cases:* {figures.total} · *acknowledged within the deadline:* "
            f"{figures.acknowledged_in_time} · *median days to close:* {figures.median_days_to_close}")
    return [SectionBlock(text=MarkdownTextObject(text=split_text(text)[0])), ContextBlock(elements=[
        MarkdownTextObject(text=f"By the quarter each case was raised. Counts under {SMALLEST_SHOWN} are shown as "
                                f"\"{FEWER}\", so that no figure points at anyone.")])]


def settled_notice(reference: str, actor: str, status: str) -> tuple[str, list[dict]]:
    """A handler's notice once someone has moved the case: where it stands, with Open, or
    Reopen once it is closed."""
    label = STATUS_LABELS.get(CaseStatus(status), status)
    who = "the person who raised it, anonymously" if actor == ANONYMOUS else mention(actor)
    text = f":lock: Confidential case *{reference}*: {label.lower()} (by {who})."
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=text))]
    if status != CaseStatus.closed.value:
        blocks.append(_buttons(reference, acknowledge=False))
    else:  # taken up again if something new comes up
        blocks.append(ActionsBlock(block_id=f"case:{reference}", elements=[
            ButtonElement(text="Reopen", action_id=REOPEN_ACTION, value=reference)]))
    return text, [block.to_dict() for block in blocks]

