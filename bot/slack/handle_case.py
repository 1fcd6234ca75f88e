"""The case buttons and modals on the Bolt app (how they look: bot.slack.case_views): the
handlers' (bot.journeys.handle_case) and those of the person who raised a case, who writes to
its team and withdraws it from the DMs about it (bot.journeys.case_reporter).

Every click and submission is checked again by the service; a refused one is answered only to
the person who clicked, and shows nothing of the case. What a reporter writes goes from the
modal straight to the case, never through the conversation."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.core.db import UnitOfWork
from bot.core.errors import DomainError
from bot.core.models import CaseStatus, OutboxMessage, OutboxStatus
from bot.core.receipts import ANONYMOUS
from bot.journeys import case_reporter, handle_case
from bot.slack.api import tell_privately
from bot.slack.blocks import CHECK_CODE_ACTION, note_modal
from bot.slack.case_views import (ACKNOWLEDGE_ACTION, CODE, CODE_FORM, CODE_HOLDER_FORM, CODE_WITHDRAW_ACTION, FORM,
                                  HOLD_DELETE_ACTION, HOLD_KEEP_ACTION, HOLD_SEND_ACTION, OPEN_ACTION, REOPEN_ACTION,
                                  REPORTER_FORM, WITHDRAW_ACTION, WRITE_ACTION, WRITTEN, acknowledged_text,
                                  case_modal, code_holder_modal, code_modal, form_errors,
                                  form_values, refusal_text, reopened_text, reporter_modal, saved_text,
                                  settled_notice, written)

log = logging.getLogger(__name__)

# A code holder's modal acts on their case for this long after the code was typed.
CODE_WINDOW_SECONDS = 30 * 60
WINDOW_CLOSED = ("This window has been open a while, so for your case's safety I've closed it. Press *Check a case "
                 "with a code* and type your code again.")


# ---------------------------------------------------------------- clicks and submissions

class SlackCases:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], client: WebClient, *,
                 after_change: Callable[[], None], publish_home: Callable[[str], None] | None = None):
        self.uow_factory, self.client = uow_factory, client
        self.after_change, self.publish_home = after_change, publish_home

    def on_open(self, body: dict) -> None:
        self._open_modal(body, handle_case.open_case, case_modal, "the case")

    def on_acknowledge(self, body: dict) -> None:
        self._move(body, handle_case.acknowledge, acknowledged_text)

    def on_reopen(self, body: dict) -> None:
        self._move(body, handle_case.reopen_case, reopened_text)

    def on_submission(self, body: dict) -> None:
        user = body["user"]["id"]
        reference = (body.get("view") or {}).get("private_metadata") or ""
        try:
            done = handle_case.update_case(reference, user, **form_values(body), uow=self.uow_factory())
        except DomainError as refused:
            self._tell(user, None, refusal_text(refused))
            return
        if "status" in done.changed:
            self._settle_copies(done.reference, user, done.status)
        self._tell(user, None, saved_text(done))
        self._after(user)

    # ------------------------------------------------------------ the person who raised it

    def on_write(self, body: dict) -> None:
        """*Reply* or *Add information*: their modal, with the thread so far."""
        self._open_modal(body, case_reporter.reporter_view, reporter_modal, "your case")

    def on_written(self, body: dict) -> tuple[str | None, str]:
        """Their message, from the modal to the case: (what to show beside the field when it
        can't be taken, so the modal stays open; else None, and the team's name)."""
        user = body["user"]["id"]
        reference = (body.get("view") or {}).get("private_metadata") or ""
        try:
            return None, case_reporter.write_to_case(reference, user, written(body), self.uow_factory())
        except DomainError as refused:
            return str(refused)[:150], ""

    def confirm_written(self, body: dict, team: str) -> None:
        reference = (body.get("view") or {}).get("private_metadata") or ""
        self._tell(body["user"]["id"], None, f"Sent: it's with your case *{reference}*, and {team} has been told "
                                             "there's something new. Only the people handling it can read it.")
        self.after_change()

    def on_withdraw(self, body: dict) -> None:
        user, reference, channel = _who(body)
        try:
            team = case_reporter.withdraw_case(reference, user, self.uow_factory())
        except DomainError as refused:
            self._tell(user, channel, refusal_text(refused))
            return
        self._tell(user, None, f"Your case *{reference}* is withdrawn: it's closed, and {team} has been told. "
                               "If you'd like to talk about it, the D&I service team or the People team is here "
                               "for you.")
        self._settle_copies(reference, user, CaseStatus.closed.value)
        self.after_change()

    # ------------------------------------------------------------ an anonymous case, by its code

    def on_check_code(self, body: dict) -> None:
        """*Check a case with a code*: the modal the code is typed into (never the DM)."""
        try:
            self.client.views_open(trigger_id=body["trigger_id"], view=code_modal())
        except SlackApiError as failure:
            log.warning("Could not open the code modal: %s", failure.response.get("error"))
            self._tell(body["user"]["id"], (body.get("channel") or {}).get("id"),
                       "Sorry, Slack didn't let me open that just then. Please try again.")

    def on_code(self, body: dict) -> dict:
        """A code typed: the case's modal in its place, or the same answer beside the field for a
        wrong, withdrawn or purged case's code (the ack's arguments)."""
        user = body["user"]["id"]
        state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        typed = ((state.get(CODE) or {}).get(CODE) or {}).get("value") or ""
        uow = self.uow_factory()
        try:
            reference = case_reporter.by_code(typed, user, uow)
            view = case_reporter.reporter_view(reference, None, uow)
        except DomainError as refused:
            return {"response_action": "errors", "errors": {CODE: str(refused)[:150]}}
        return {"response_action": "update", "view": code_holder_modal(view, uow.cipher.seal(reference))}

    def on_code_written(self, body: dict) -> dict:
        """Their message, from the code holder's modal to the case (the ack's arguments)."""
        reference = self._window(body)
        if reference is None:
            return {"response_action": "update", "view": note_modal("Your case", WINDOW_CLOSED)}
        try:
            team = case_reporter.write_to_case(reference, None, written(body), self.uow_factory())
        except DomainError as refused:
            return {"response_action": "errors", "errors": {WRITTEN: str(refused)[:150]}}
        self.after_change()
        return {"response_action": "update", "view": note_modal("Your case",
            f"Sent: it's with your case, and {team} has been told there's something new. Only the people "
            "handling it can read it, and they still don't know who you are.")}

    def on_code_withdraw(self, body: dict) -> None:
        view = body.get("view") or {}
        reference = self._window(body)
        if reference is None:
            text = WINDOW_CLOSED
        else:
            try:
                team = case_reporter.withdraw_case(reference, None, self.uow_factory())
                text = (f"Your case is withdrawn: it's closed, and {team} has been told. Your code won't open it "
                        "again. If you'd like to talk about it, the D&I service team or the People team is here "
                        "for you.")
                self._settle_copies(reference, ANONYMOUS, CaseStatus.closed.value)
                self.after_change()
            except DomainError as refused:
                text = refusal_text(refused)
        self._show_in_window(view, text)

    # ------------------------------------------------------------ a held case

    def on_hold(self, body: dict, choice: str) -> None:
        """*Send it now*, *Keep waiting* or *Delete it* on a held case: from its DM (a named case,
        its reference on the button) or from the code holder's modal (its sealed window)."""
        user, reference, channel = _who(body)
        view = body.get("view") or {}
        by_code = view.get("callback_id") == CODE_HOLDER_FORM
        if by_code:
            reference = self._window(body)
        reporter = None if by_code else user  # (the code's holder is nobody)
        uow = self.uow_factory()
        if reference is None:
            text = WINDOW_CLOSED
        else:
            try:
                if choice == HOLD_SEND_ACTION:
                    team = case_reporter.send_held_now(reference, reporter, uow)
                    text = (f"Sent: it has gone to {team}, who'll acknowledge it within "
                            f"{uow.settings.case_acknowledge_days} days.")
                    self.after_change()
                elif choice == HOLD_KEEP_ACTION:
                    days = case_reporter.keep_holding(reference, reporter, uow)
                    text = f"I'll keep holding it, seen by nobody, and ask you again in {days} days."
                else:
                    case_reporter.delete_held(reference, reporter, uow)
                    text = ("Deleted: it was never sent, and what you wrote is gone. My records keep only that a "
                            "case was held and deleted.")
            except DomainError as refused:
                text = refusal_text(refused)
        if not by_code:
            self._tell(user, channel, text)  # (beside the DM about that case)
            return
        self._show_in_window(view, text)

    def _show_in_window(self, view: dict, text: str) -> None:
        """What became of a code holder's case, in place of their modal."""
        try:
            self.client.views_update(view_id=view.get("id"), hash=view.get("hash"),
                                     view=note_modal("Your case", text))
        except SlackApiError as failure:
            log.info("Could not update the code holder's modal: %s", failure.response.get("error"))

    def _window(self, body: dict) -> str | None:
        """The case a code holder's modal is for: the reference sealed when the code matched, for
        CODE_WINDOW_SECONDS; None once that has passed."""
        sealed = (body.get("view") or {}).get("private_metadata") or ""
        return self.uow_factory().cipher.unseal(sealed, CODE_WINDOW_SECONDS) if sealed else None

    # ------------------------------------------------------------ helpers

    def _open_modal(self, body: dict, read: Callable, modal: Callable, what: str) -> None:
        """A click that opens a case's modal: the service decides whether this person may read it."""
        user, reference, channel = _who(body)
        try:
            view = read(reference, user, self.uow_factory())
        except DomainError as refused:
            self._tell(user, channel, refusal_text(refused))
            return
        try:
            self.client.views_open(trigger_id=body["trigger_id"], view=modal(view))
        except SlackApiError as failure:  # never the view: it holds what happened, or the messages
            log.warning("Could not open a case modal: %s", failure.response.get("error"))
            self._tell(user, channel, f"Sorry, Slack didn't let me open {what} just then. Please try again.")

    def _move(self, body: dict, service: Callable, said: Callable) -> None:
        """A button that moves the case (acknowledge, reopen): the service decides, the person
        who clicked is told, every handler's copy of the notice is settled."""
        user, reference, channel = _who(body)
        try:
            done = service(reference, user, self.uow_factory())
        except DomainError as refused:
            self._tell(user, channel, refusal_text(refused))
            return
        self._tell(user, channel, said(done))
        self._settle_copies(done.reference, user, done.status)
        self._after(user)

    def _after(self, user: str) -> None:
        self.after_change()
        if self.publish_home is not None:
            self.publish_home(user)

    def _settle_copies(self, reference: str, actor: str, status: str) -> None:
        """Each handler's notice shows where the case stands, so nobody acknowledges it twice.
        Written from the status alone: delivered notices keep no payload."""
        with self.uow_factory() as uow:
            copies = [(m.slack_channel, m.slack_ts) for m in uow.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.idempotency_key.startswith(f"case_notice:{reference}:", autoescape=True),
                    OutboxMessage.status == OutboxStatus.sent, OutboxMessage.slack_ts.is_not(None)))]
        text, blocks = settled_notice(reference, actor, status)
        for channel, ts in copies:
            try:
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            except SlackApiError as failure:  # the change stands; a stale copy is only cosmetic
                log.info("Could not update a case notice: %s", failure.response.get("error"))

    def _tell(self, user: str, channel: str | None, text: str) -> None:
        tell_privately(self.client, user, channel, text)


def _who(body: dict) -> tuple[str, str, str | None]:
    action = (body.get("actions") or [{}])[0]
    return body["user"]["id"], action.get("value") or "", (body.get("channel") or {}).get("id")


def register_case_listeners(app, runtime) -> SlackCases:
    """The case buttons and the case modal on the Bolt app: `ack()` first, then the work in a
    thread (the services are synchronous)."""
    cases = SlackCases(runtime.uow_factory, runtime.client, after_change=runtime.wake_delivery,
                       publish_home=runtime.publish_home)

    @app.action(OPEN_ACTION)
    async def open_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_open, body)

    @app.action(ACKNOWLEDGE_ACTION)
    async def acknowledge_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_acknowledge, body)

    @app.action(REOPEN_ACTION)
    async def reopen_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_reopen, body)

    @app.action(WRITE_ACTION)
    async def write_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_write, body)

    @app.action(WITHDRAW_ACTION)
    async def withdraw_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_withdraw, body)

    @app.view(REPORTER_FORM)
    async def reporter_form_submitted(ack, body: dict) -> None:
        # Written before the ack, so a refusal (a closed case) is shown in the modal itself.
        problem, team = await asyncio.to_thread(cases.on_written, body)
        if problem:
            await ack(response_action="errors", errors={WRITTEN: problem})
            return
        await ack()
        await asyncio.to_thread(cases.confirm_written, body, team)

    @app.action(CHECK_CODE_ACTION)
    async def check_code_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_check_code, body)

    @app.view(CODE_FORM)
    async def code_submitted(ack, body: dict) -> None:
        await ack(**await asyncio.to_thread(cases.on_code, body))

    @app.view(CODE_HOLDER_FORM)
    async def code_holder_submitted(ack, body: dict) -> None:
        await ack(**await asyncio.to_thread(cases.on_code_written, body))

    @app.action(CODE_WITHDRAW_ACTION)
    async def code_withdraw_clicked(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(cases.on_code_withdraw, body)

    for hold_action in (HOLD_SEND_ACTION, HOLD_KEEP_ACTION, HOLD_DELETE_ACTION):
        @app.action(hold_action)
        async def hold_clicked(ack, body: dict, action: dict) -> None:
            await ack()
            await asyncio.to_thread(cases.on_hold, body, action["action_id"])

    @app.view(FORM)
    async def form_submitted(ack, body: dict) -> None:
        # A missing outcome is shown beside its field, so the check comes before the ack.
        errors = form_errors(body)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        await asyncio.to_thread(cases.on_submission, body)

    return cases
