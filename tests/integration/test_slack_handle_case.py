"""The handlers' side of a case in Slack, end to end: the notices the outbox delivers, and
signed clicks and modal submissions through the real Bolt app (bot.slack.app.build_app)
against the Slack double, on a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set)."""
from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import urllib.parse

import pytest
from cryptography.fernet import Fernet
from slack_bolt.request.async_request import AsyncBoltRequest
from sqlalchemy import select

from bot.core.models import AuditEntry, Case, CaseStatus, OutboxMessage
from bot import bootstrap
from bot.journeys import handle_case
from bot.journeys.raise_issue import save_draft, submit_case
from bot.slack.api import web_client
from bot.slack.delivery import deliver_due
from bot.slack.home import home_for
from harness.records import environment_cipher
from harness.slack_double import SIGNING_SECRET, SlackDouble, signed_by_slack

SECRET = SIGNING_SECRET
PRIYA, TOM, GRACE = "U0DANDI001", "U0DANDI002", "U0PEOPLE01"
REPORTER, STRANGER = "U0REPORT01", "U0STRANGE1"
MARKER = "Quokkaflint"
# Long enough to need several sections, with markup that must not ping or link anyone.
NARRATIVE = (f"{MARKER} said something at the meetup. <!here> & <@U0DANDI002> were there.\n\n"
             + "It kept happening over several weeks and I don't feel safe going back. " * 120).strip()


@pytest.fixture
def slack():
    with SlackDouble() as double:
        yield double


@pytest.fixture
def runtime(configured_database, slack, monkeypatch):
    from bot.slack.app import SlackRuntime

    for name, value in {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": slack.base_url, "CASE_ENCRYPTION_KEY": Fernet.generate_key().decode()
                        }.items():
        monkeypatch.setenv(name, value)
    return SlackRuntime(bootstrap.build())


def deliver(runtime) -> None:
    deliver_due(runtime.uow_factory, web_client(runtime.settings), runtime.settings)


def a_case(runtime, *, excluded=(), on_behalf=False, may_be_named=None) -> str:
    uow = runtime.uow_factory()
    draft = save_draft(NARRATIVE, uow)
    if excluded:
        with uow:
            uow.session.scalar(select(Case).where(Case.reference == draft)).excluded_ciphertext = environment_cipher().encrypt(
                json.dumps(list(excluded)))
            uow.commit()
    return submit_case(draft, REPORTER, on_behalf=on_behalf, consented=True if on_behalf else None,
                       may_be_named=may_be_named, category="discrimination", route_to="dandi_service",
                       uow=runtime.uow_factory()).reference


def click(user: str, action_id: str, reference: str, channel: str | None = None) -> dict:
    payload = {"type": "block_actions", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
               "user": {"id": user}, "trigger_id": "1337.42",
               "actions": [{"action_id": action_id, "value": reference, "type": "button"}]}
    if channel:
        payload |= {"channel": {"id": channel}, "container": {"type": "message", "channel_id": channel}}
    else:  # the App Home
        payload |= {"container": {"type": "view", "view_id": "V0HOME0001"}, "view": {"type": "home"}}
    return payload


def submission(user: str, reference: str, *, status=None, outcome=None, note=None, assignee=None,
               message=None) -> dict:
    def select_(value):
        return {"type": "static_select", "selected_option": {"value": value} if value else None}

    values = {"status": {"status": select_(status)},
              "outcome": {"outcome": {"type": "plain_text_input", "value": outcome}},
              "note": {"note": {"type": "plain_text_input", "value": note}},
              "assignee": {"assignee": select_(assignee)},
              "message": {"message": {"type": "plain_text_input", "value": message}}}
    return {"type": "view_submission", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
            "user": {"id": user}, "trigger_id": "1337.43",
            "view": {"id": "V0CASE0001", "type": "modal", "callback_id": "case_form", "private_metadata": reference,
                     "state": {"values": values}}}


async def dispatch(runtime, payload: dict):
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    headers = {"content-type": "application/x-www-form-urlencoded", **{
        k.lower(): v for k, v in signed_by_slack(SECRET, body.encode()).items()}}
    return await runtime.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))


def run(runtime, payload: dict, *, then: str | None = None, count: int = 1, predicate=None):
    """Send one interaction through Bolt; wait for the Slack call its listener makes."""
    async def go():
        response = await dispatch(runtime, payload)
        found = await runtime_slack(runtime).wait_for_async(then, count, predicate=predicate) if then else None
        await asyncio.sleep(0.2)  # let the listener finish what it does after that call
        return response, found
    return asyncio.run(go())


def runtime_slack(runtime) -> SlackDouble:
    return runtime._slack


@pytest.fixture(autouse=True)
def _wire(runtime, slack):
    runtime._slack = slack


def posts_to(slack, user: str) -> list[dict]:
    return [c for c in slack.calls_to("chat.postMessage") if c["channel"] in (user, "D" + user[1:])]


def everything_but_the_modal(slack) -> str:
    return json.dumps([c.args for c in slack.calls if c.method != "views.open"])


# ---------------------------------------------------------------- notices

def test_each_eligible_handler_gets_a_dm_with_open_and_acknowledge_never_what_happened(runtime, slack):
    reference = a_case(runtime, excluded=[PRIYA], on_behalf=True, may_be_named=False)
    deliver(runtime)
    [notice] = slack.calls_to("chat.postMessage")
    assert notice["channel"] == TOM and reference in notice["text"]
    text = html.unescape(notice["text"])
    assert "Discrimination or harassment" in text and "the D&I service team" in text and "(today)" in text
    assert "on someone's behalf, with their agreement; they would rather not be named" in text
    assert "Please acknowledge it by" in text
    [buttons] = [b for b in notice["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"], e["value"]) for e in buttons["elements"]] == [
        ("Open", "case_open", reference), ("Acknowledge", "case_acknowledge", reference)]
    assert MARKER not in json.dumps([c.args for c in slack.calls])


# ---------------------------------------------------------------- open

def test_open_shows_the_narrative_in_a_modal_only_escaped_and_split_and_the_read_is_audited(runtime, slack):
    reference = a_case(runtime)
    handle_case.add_note(reference, TOM, "Spoke to <!channel> & the organiser.", runtime.uow_factory())
    deliver(runtime)
    response, [opened] = run(runtime, click(PRIYA, "case_open", reference, "D0DANDI001"), then="views.open")
    assert response.status == 200 and opened["trigger_id"] == "1337.42"
    view = opened["view"]
    assert view["callback_id"] == "case_form" and view["private_metadata"] == reference
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    story = " ".join(s for s in sections if "meetup" in s or "kept happening" in s)
    assert MARKER in story and "&lt;!here&gt; &amp; &lt;@U0DANDI002&gt;" in story and "<!here>" not in json.dumps(view)
    assert len([s for s in sections if "kept happening" in s]) >= 3
    assert any("&lt;!channel&gt; &amp; the organiser" in s for s in sections)  # the note, escaped
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    # (A message to the person who raised it: they raised it in Slack, so they can be written to.)
    assert set(inputs) == {"status", "outcome", "message", "note", "assignee"}
    assert {o["value"] for o in inputs["assignee"]["element"]["options"]} == {PRIYA, TOM}
    assert MARKER not in everything_but_the_modal(slack)
    with runtime.uow_factory() as uow:
        assert uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "opened_case")).actor == PRIYA


@pytest.mark.parametrize("who", [PRIYA, STRANGER, GRACE])
def test_a_click_from_someone_excluded_or_outside_the_team_is_refused_and_shows_nothing(runtime, slack, who):
    reference = a_case(runtime, excluded=[PRIYA])
    deliver(runtime)
    for action in ("case_open", "case_acknowledge"):
        for ref in (reference, "CASE-ZZZZZZ"):
            slack.reset_calls()
            _, [refused] = run(runtime, click(who, action, ref, "D" + who[1:]), then="chat.postEphemeral")
            assert refused["user"] == who and "can't open that case for you" in html.unescape(refused["text"])
            assert not slack.calls_to("views.open") and not slack.calls_to("chat.update")
            assert reference not in refused["text"]
    # From the App Home there is no channel: the answer comes as a DM.
    slack.reset_calls()
    _, [dm] = run(runtime, click(who, "case_open", reference), then="chat.postMessage")
    assert dm["channel"] == who and not slack.calls_to("views.open")
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.open and case.assignee_slack_id is None
        assert not uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "opened_case")).all()
    assert MARKER not in json.dumps([c.args for c in slack.calls])


# ---------------------------------------------------------------- acknowledge, status, reassign, close

def test_acknowledge_tells_the_reporter_and_settles_every_handlers_copy(runtime, slack):
    reference = a_case(runtime)
    deliver(runtime)
    _, [thanks] = run(runtime, click(TOM, "case_acknowledge", reference, "D0DANDI002"), then="chat.postEphemeral")
    assert "is acknowledged and with you" in thanks["text"] and "has been told" in thanks["text"]
    updates = slack.wait_for("chat.update", count=2)
    assert {u["channel"] for u in updates} == {"D0DANDI001", "D0DANDI002"}
    assert all("acknowledged (by <@U0DANDI002>)" in u["text"] for u in updates)
    assert all(e["action_id"] != "case_acknowledge" for u in updates for b in u["blocks"] if b["type"] == "actions"
               for e in b["elements"])
    deliver(runtime)
    [told] = posts_to(slack, REPORTER)
    text = html.unescape(told["text"])
    assert reference in text and "The D&I service team has acknowledged it" in text
    assert "within three months, unless it's closed before then" in text and MARKER not in text
    # Priya's later click changes nothing and says who has it.
    _, [_, late] = run(runtime, click(PRIYA, "case_acknowledge", reference, "D0DANDI001"),
                       then="chat.postEphemeral", count=2)
    assert late["user"] == PRIYA and "already been acknowledged by <@U0DANDI002>" in late["text"]
    deliver(runtime)
    assert len(posts_to(slack, REPORTER)) == 1


def test_closing_without_an_outcome_is_refused_in_the_form_and_changes_nothing(runtime, slack):
    reference = a_case(runtime)
    response, _ = run(runtime, submission(PRIYA, reference, status="closed", note="done"))
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors" and "outcome" in answer["errors"]
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.open and not case.notes


def test_a_handler_moves_reassigns_and_closes_the_reporter_sees_the_outcome(runtime, slack):
    reference = a_case(runtime)
    deliver(runtime)
    slack.reset_calls()
    response, _ = run(runtime, submission(PRIYA, reference, status="in_progress", note="Met the organisers.",
                                          assignee=TOM), then="views.publish")
    assert response.status == 200 and not response.body
    # The handler is told it is saved and what changed, never the note itself.
    [saved] = [p for p in posts_to(slack, PRIYA) if p["text"].startswith("Saved")]
    assert saved["text"] == (f"Saved *{reference}*: it is now in progress; it's with <@{TOM}>; your note is kept with "
                             "it. The person who raised it has been told.")
    # The same form sent twice (a double click) changes nothing, and says so.
    run(runtime, submission(PRIYA, reference, status="in_progress", note="Met the organisers.", assignee=TOM),
        then="views.publish", count=2)
    assert posts_to(slack, PRIYA)[-1]["text"] == f"Nothing changed on *{reference}*."
    deliver(runtime)
    [assigned] = posts_to(slack, TOM)
    assert "<@U0DANDI001> has passed confidential case" in assigned["text"] and reference in assigned["text"]
    assert [e["action_id"] for b in assigned["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "case_open"]
    [update] = posts_to(slack, REPORTER)
    assert "acknowledged it and they're now looking into it" in html.unescape(update["text"])
    # They can add to it later, or withdraw it, from the DM itself.
    assert [(e["text"]["text"], e["action_id"]) for b in update["blocks"] if b["type"] == "actions"
            for e in b["elements"]] == [("Add information", "case_write"), ("Withdraw the case", "case_withdraw")]

    outcome = "We agreed new ground rules with the organisers <and> thanked you."
    run(runtime, submission(TOM, reference, status="closed", outcome=outcome), then="views.publish", count=3)
    assert posts_to(slack, TOM)[-1]["text"] == (f"Saved *{reference}*: it is now closed. The person who raised it "
                                                "has been told.")
    deliver(runtime)
    closed = posts_to(slack, REPORTER)[-1]
    assert f"Your case *{reference}* has been closed" in closed["text"]
    assert "*Outcome:* We agreed new ground rules with the organisers &lt;and&gt; thanked you." in closed["text"]
    assert buttons(closed) == []  # nothing more to add to a closed case
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.closed and case.assignee_slack_id == TOM and len(case.notes) == 1
    # Every copy of the notice now says it is closed, and offers only to reopen it.
    assert all("closed (by <@U0DANDI002>)" in u["text"] and buttons(u) == ["case_reopen"]
               for u in slack.calls_to("chat.update")[-2:])
    assert MARKER not in json.dumps([c.args for c in slack.calls])


def buttons(message: dict) -> list[str]:
    return [e["action_id"] for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def test_a_closed_case_is_reopened_by_its_handlers_only_and_the_reporter_is_told(runtime, slack):
    reference = a_case(runtime)
    deliver(runtime)
    # Reopening a case that isn't closed changes nothing, and says where it stands.
    _, [not_closed] = run(runtime, click(PRIYA, "case_reopen", reference, "D0DANDI001"), then="chat.postEphemeral")
    assert not_closed["text"] == f"{reference} isn't closed: it's open, not yet acknowledged."
    run(runtime, submission(PRIYA, reference, status="closed", outcome="Talked it through."), then="views.publish")
    deliver(runtime)
    slack.reset_calls()
    # Someone on another team, or nobody's handler, is refused and shown nothing.
    for who in (GRACE, STRANGER):
        _, [refused] = run(runtime, click(who, "case_reopen", reference, "D0OTHER001"), then="chat.postEphemeral",
                           predicate=lambda c, who=who: c["user"] == who)
        assert reference not in refused["text"] and MARKER not in refused["text"]
    _, [done] = run(runtime, click(TOM, "case_reopen", reference, "D0DANDI002"), then="chat.postEphemeral",
                    predicate=lambda c: c["user"] == TOM)
    assert done["text"] == (f"*{reference}* is reopened: it's in progress again, with <@{PRIYA}>. The person who "
                            "raised it has been told.")
    updates = slack.wait_for("chat.update", count=2)
    assert all("in progress (by <@U0DANDI002>)" in u["text"] and buttons(u) == ["case_open"] for u in updates)
    deliver(runtime)
    [told] = posts_to(slack, REPORTER)
    assert html.unescape(told["text"]).startswith(f"Your case *{reference}* has been reopened: the D&I service team "
                                                  "is looking into it again.")
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.in_progress and case.closed_at is None and case.assignee_slack_id == PRIYA
        assert [a.action for a in uow.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == reference)
                                                      .order_by(AuditEntry.id))
                if a.action in ("reopened_case", "refused_case")] == ["refused_case", "refused_case", "reopened_case"]


def test_a_submission_from_someone_excluded_is_refused_and_writes_nothing(runtime, slack):
    reference = a_case(runtime, excluded=[PRIYA])
    _, [dm] = run(runtime, submission(PRIYA, reference, status="in_progress", note="sneaky"),
                  then="chat.postMessage")
    assert dm["channel"] == PRIYA and "can't open that case for you" in html.unescape(dm["text"])
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.open and not case.notes


# ---------------------------------------------------------------- App Home

def test_the_app_home_lists_a_handlers_cases_and_nobody_elses(runtime):
    kept_from_priya = a_case(runtime, excluded=[PRIYA])
    everyones = a_case(runtime)
    handle_case.acknowledge(everyones, TOM, runtime.uow_factory())

    def home(user):
        return json.dumps(home_for(user, runtime.uow_factory), ensure_ascii=False)

    tom = home_for(TOM, runtime.uow_factory)
    assert "Your cases" in json.dumps(tom)
    opens = [b["accessory"]["value"] for b in tom["blocks"]
             if b["type"] == "section" and (b.get("accessory") or {}).get("action_id") == "case_open"]
    assert opens == [kept_from_priya, everyones]
    assert "Acknowledged · raised today" in home(TOM) and "with you" in home(TOM)
    assert everyones in home(PRIYA) and kept_from_priya not in home(PRIYA)
    for someone in (STRANGER, GRACE):
        assert "Your cases" not in home(someone) and everyones not in home(someone)
    # The reporter sees their own cases' status under their requests, never a case list.
    assert "Your cases" not in home(REPORTER) and "acknowledged by the D&amp;I service team" in home(REPORTER)
    assert MARKER not in home(TOM) and len(tom["blocks"]) <= 100
    # Priya leads the team: its cases with their deadlines, never the one kept from her, no Open there.
    priya = home_for(PRIYA, runtime.uow_factory)
    headers = [b.get("text", {}).get("text") for b in priya["blocks"]]
    team = json.dumps(priya["blocks"][headers.index("Your team's cases"):], ensure_ascii=False)
    assert everyones in team and kept_from_priya not in team and "case_open" not in team.split("Directory")[0]
    assert "acknowledged in time" in team and MARKER not in team and REPORTER not in team
    assert "Your team's cases" not in home(TOM) and "Your team's cases" not in home(STRANGER)
    # And how they are going: two cases, so every count says only "fewer than 5".
    going = json.dumps(priya["blocks"][headers.index("How your team's cases are going"):], ensure_ascii=False)
    assert re.search(r"\*Discrimination or harassment\*: \d{4} Q[1-4] fewer than 5", going)
    assert "*All cases:* fewer than 5" in going
    assert "How your team's cases are going" not in home(TOM) + home(STRANGER)


# ---------------------------------------------------------------- logs

def test_opening_a_case_with_debug_logging_everywhere_logs_nothing_of_what_happened(runtime, slack, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "bot", "bot.slack.api.client", "bot.slack.api.bolt", "aiohttp",
                 "urllib3", "sqlalchemy"):
        caplog.set_level(logging.DEBUG, logger=name)
    reference = a_case(runtime)
    deliver(runtime)
    _, [opened] = run(runtime, click(PRIYA, "case_open", reference, "D0DANDI001"), then="views.open")
    assert MARKER in json.dumps(opened["view"])  # it did go to Slack, in the modal
    run(runtime, submission(PRIYA, reference, status="closed", outcome=f"Closed {MARKER}", note=f"{MARKER} note"),
        then="views.publish")
    deliver(runtime)
    # A submission whose signature fails (a wrong secret configured): Bolt logs such a body at INFO.
    body = urllib.parse.urlencode({"payload": json.dumps(submission(PRIYA, reference, note=MARKER))})
    forged = {"content-type": "application/x-www-form-urlencoded",
              **{k.lower(): v for k, v in signed_by_slack("not-the-secret", body.encode()).items()}}
    assert asyncio.run(runtime.app.async_dispatch(AsyncBoltRequest(body=body, headers=forged))).status == 401
    assert caplog.records  # debug logging was on
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert MARKER not in logged


# ---------------------------------------------------------------- talking with the person who raised it

ASKED, ANSWERED = "Kinkajouvelvet", "Tarsierlamp"


def reporter_submission(user: str, reference: str, text: str) -> dict:
    return {"type": "view_submission", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
            "user": {"id": user}, "trigger_id": "1337.44",
            "view": {"id": "V0MINE0001", "type": "modal", "callback_id": "case_reporter_form",
                     "private_metadata": reference,
                     "state": {"values": {"written": {"written": {"type": "plain_text_input", "value": text}}}}}}


def test_handlers_see_who_raised_it_and_a_message_and_reply_go_round_through_the_bot(runtime, slack, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "bot", "bot.slack.api.client", "bot.slack.api.bolt", "sqlalchemy"):
        caplog.set_level(logging.DEBUG, logger=name)
    reference = a_case(runtime)
    deliver(runtime)
    notice = posts_to(slack, PRIYA)[0]
    assert f"by <@{REPORTER}>" in notice["text"]

    # The handler writes from the case modal; the reporter gets it as a DM with Reply and Withdraw.
    run(runtime, submission(PRIYA, reference, message=f"Could you tell us when the {ASKED} meetup was?"),
        then="chat.postMessage", predicate=lambda c: c["channel"] == PRIYA)
    assert "your message is on its way" in posts_to(slack, PRIYA)[-1]["text"]
    deliver(runtime)
    [dm] = [c for c in posts_to(slack, REPORTER) if ASKED in c["text"]]
    assert dm["text"].startswith("A message from the D&amp;I service team about your case")  # Slack shows &amp; as &
    [buttons] = [b for b in dm["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"]) for e in buttons["elements"]] == [
        ("Reply", "case_write"), ("Withdraw the case", "case_withdraw")]

    # Reply: their modal shows the thread; what they write goes straight to the case.
    _, [opened] = run(runtime, click(REPORTER, "case_write", reference, "D0REPORT01"), then="views.open")
    assert opened["view"]["callback_id"] == "case_reporter_form" and ASKED in json.dumps(opened["view"])
    response, _ = run(runtime, reporter_submission(REPORTER, reference, f"It was the {ANSWERED} one, last Tuesday."),
                      then="chat.postMessage", predicate=lambda c: c["channel"] == REPORTER and "Sent" in c["text"])
    assert response.status == 200
    deliver(runtime)
    for handler in (PRIYA, TOM):  # each handler told there's something new, never what
        told = [c for c in posts_to(slack, handler) if "has written to you" in c["text"]]
        assert told and ANSWERED not in json.dumps(told)

    # Every handler of the case reads the thread in the modal.
    _, opened_views = run(runtime, click(TOM, "case_open", reference, "D0DANDI002"), then="views.open", count=2)
    thread = json.dumps(opened_views[-1]["view"])
    assert ASKED in thread and ANSWERED in thread and "They wrote" in thread

    # Kept encrypted, audited without content, and nowhere in plain text but the modals and the DM.
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert [(m.from_reporter, environment_cipher().decrypt(m.body_ciphertext)[:12]) for m in case.messages] == [
            (False, "Could you te"), (True, "It was the T")]
        actions = [a.action for a in uow.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == reference))]
        assert "messaged_reporter" in actions and "reporter_wrote" in actions
        stored = json.dumps([[a.detail for a in uow.session.scalars(select(AuditEntry))],
                             [m.payload for m in uow.session.scalars(select(OutboxMessage))]], default=str)
        assert ASKED not in stored and ANSWERED not in stored
    by_design = [c for c in slack.calls if c.method == "views.open" or (
        c.method == "chat.postMessage" and c.args.get("channel") in (REPORTER, "D0REPORT01") and ASKED in c.args["text"])]
    assert ANSWERED not in json.dumps([c.args for c in slack.calls if c not in by_design])
    assert ASKED not in json.dumps([c.args for c in slack.calls if c not in by_design])
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records and ASKED not in logged and ANSWERED not in logged


def test_only_the_person_who_raised_it_can_write_to_it_and_a_stranger_learns_nothing(runtime, slack):
    reference = a_case(runtime)
    for who in (STRANGER, PRIYA):  # a stranger, and a handler pretending to be the reporter
        run(runtime, click(who, "case_write", reference, "D0STRANGE1"), then="chat.postEphemeral",
            predicate=lambda c, who=who: c["user"] == who)
        response, _ = run(runtime, reporter_submission(who, reference, "let me in"))
        assert "couldn't find a case of yours" in json.loads(response.body)["errors"]["written"]
    refusals = [c["text"] for c in slack.calls_to("chat.postEphemeral")]
    assert refusals == ["I couldn't find a case of yours with that reference."] * 2
    assert not slack.calls_to("views.open")
    with runtime.uow_factory() as uow:
        assert not uow.session.scalar(select(Case).where(Case.reference == reference)).messages


def test_a_case_withdrawn_is_closed_its_handlers_told_and_takes_nothing_more(runtime, slack):
    reference = a_case(runtime)
    run(runtime, click(REPORTER, "case_withdraw", reference, "D0REPORT01"), then="chat.postMessage",
        predicate=lambda c: c["channel"] == REPORTER and "withdrawn" in c["text"])
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.status == CaseStatus.closed and "Withdrawn" in environment_cipher().decrypt(case.outcome_ciphertext)
    deliver(runtime)
    assert any("has been withdrawn" in c["text"] for c in posts_to(slack, PRIYA))
    response, _ = run(runtime, reporter_submission(REPORTER, reference, "one more thing"))
    assert "is closed" in json.dumps(json.loads(response.body)["errors"])
    # A handler writing to a withdrawn case is told it's closed.
    run(runtime, submission(PRIYA, reference, message="Are you sure?"), then="chat.postMessage",
        predicate=lambda c: c["channel"] == PRIYA and "closed" in c["text"])


def test_two_handlers_writing_at_once_both_land(runtime, slack):
    reference = a_case(runtime)

    async def both():
        await asyncio.gather(dispatch(runtime, submission(PRIYA, reference, message="From Priya.")),
                             dispatch(runtime, submission(TOM, reference, message="From Tom.")))
        await runtime_slack(runtime).wait_for_async("chat.postMessage", 2, predicate=lambda c: "on its way" in c["text"])
    asyncio.run(both())
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert sorted(environment_cipher().decrypt(m.body_ciphertext) for m in case.messages) == ["From Priya.",
                                                                                                   "From Tom."]
    deliver(runtime)
    assert len([c for c in posts_to(slack, REPORTER) if c["text"].startswith("A message from")]) == 2


def test_the_same_words_again_after_someone_else_wrote_are_a_new_message_not_a_double_click(runtime, slack):
    from bot.journeys import case_reporter

    reference = a_case(runtime)
    for question in ("Was it in the office?", "And were others there?"):
        handle_case.update_case(reference, PRIYA, message=question, uow=runtime.uow_factory())
        case_reporter.write_to_case(reference, REPORTER, "Yes.", runtime.uow_factory())
    case_reporter.write_to_case(reference, REPORTER, "Yes.", runtime.uow_factory())  # a double submission
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert [environment_cipher().decrypt(m.body_ciphertext) for m in case.messages] == [
            "Was it in the office?", "Yes.", "And were others there?", "Yes."]


def test_a_long_case_still_opens_within_slacks_block_limit_newest_kept(runtime, slack):
    from bot.journeys import case_reporter

    reference = a_case(runtime)
    for i in range(70):
        handle_case.add_note(reference, PRIYA, f"Note {i}", runtime.uow_factory())
        handle_case.update_case(reference, TOM, message=f"Question {i}?", uow=runtime.uow_factory())
        case_reporter.write_to_case(reference, REPORTER, f"Answer {i}.", runtime.uow_factory())
    _, [opened] = run(runtime, click(PRIYA, "case_open", reference, "D0DANDI001"), then="views.open")
    view = json.dumps(opened["view"])
    assert len(opened["view"]["blocks"]) <= 100
    assert "Answer 69." in view and "Note 69" in view and "Earlier messages are not shown." in view
    assert "Earlier notes are not shown." in view and "Answer 0." not in view
    _, [_, mine] = run(runtime, click(REPORTER, "case_write", reference, "D0REPORT01"), then="views.open", count=2)
    assert len(mine["view"]["blocks"]) <= 100 and "Answer 69." in json.dumps(mine["view"])


# ---------------------------------------------------------------- an anonymous case, by its receipt code

HEARD, SAID_BACK = "Pangolinreed", "Axolotlbrass"


def an_anonymous_case(runtime, *, tell_me=False):
    draft = save_draft(NARRATIVE, runtime.uow_factory())
    return submit_case(draft, REPORTER, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                       route_to="dandi_service", uow=runtime.uow_factory(), anonymously=True, tell_me=tell_me)


def code_submission(user: str, typed: str) -> dict:
    return {"type": "view_submission", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
            "user": {"id": user}, "trigger_id": "1337.45",
            "view": {"id": "V0CODE0001", "type": "modal", "callback_id": "case_code_form", "private_metadata": "",
                     "state": {"values": {"code": {"code": {"type": "plain_text_input", "value": typed}}}}}}


def code_holder_submission(user: str, window: str, text: str) -> dict:
    return {"type": "view_submission", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
            "user": {"id": user}, "trigger_id": "1337.46",
            "view": {"id": "V0CODE0002", "type": "modal", "callback_id": "case_code_holder_form",
                     "private_metadata": window,
                     "state": {"values": {"written": {"written": {"type": "plain_text_input", "value": text}}}}}}


def code_holder_withdraw(user: str, window: str) -> dict:
    return {"type": "block_actions", "team": {"id": "T0TEST0001"}, "api_app_id": "A0TEST0001",
            "user": {"id": user}, "trigger_id": "1337.47",
            "container": {"type": "view", "view_id": "V0CODE0002"},
            "view": {"id": "V0CODE0002", "hash": "h1", "type": "modal", "callback_id": "case_code_holder_form",
                     "private_metadata": window},
            "actions": [{"action_id": "case_code_withdraw", "value": "withdraw", "type": "button"}]}


def answer_to(runtime, payload: dict) -> dict:
    response, _ = run(runtime, payload)
    assert response.status == 200
    return json.loads(response.body)


def deliver_later(runtime, hours: float = 2) -> None:
    """Past an anonymous case's random notice delay."""
    from datetime import timedelta

    from bot.core.models import utcnow

    deliver_due(runtime.uow_factory, web_client(runtime.settings), runtime.settings,
                now=utcnow() + timedelta(hours=hours))


def test_an_anonymous_case_is_raised_checked_answered_by_code_then_withdrawn(runtime, slack):
    from bot.core.models import utcnow

    receipt = an_anonymous_case(runtime)
    code = receipt.code
    assert len(code) == 16 and code.isalnum() and code.upper() == code

    # Nothing of the case names its reporter or keeps its code; its times keep the day; its notices wait.
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        assert case.anonymous and case.reporter_slack_id is None and case.draft_owner is None
        assert code not in case.receipt_hash and len(case.receipt_hash) == 64
        kept_times = (case.created_at, case.updated_at, case.submitted_at)
        assert {(t.hour, t.minute, t.second) for t in kept_times} == {(0, 0, 0)}
        notices = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_notice")).all()
        assert notices and all(n.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
                               for n in notices)
        [raised] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "raised_case")).all()
        assert raised.actor == "anonymous" and (raised.at.hour, raised.at.minute, raised.at.second) == (0, 0, 0)
    deliver(runtime)
    assert not posts_to(slack, PRIYA)  # not yet: the notice leaves after a random delay
    deliver_later(runtime)
    notice = posts_to(slack, PRIYA)[0]
    assert "by someone who chose to stay anonymous" in notice["text"]
    assert REPORTER not in json.dumps([c.args for c in slack.calls])

    # A handler writes from the case modal: kept for the code holder, no DM to anyone.
    _, [opened] = run(runtime, click(PRIYA, "case_open", receipt.reference, "D0DANDI001"), then="views.open")
    assert "they'll read it when they next check the case with their receipt code" in json.dumps(opened["view"])
    run(runtime, submission(PRIYA, receipt.reference, message=f"Thank you. Which {HEARD} session was it?"),
        then="chat.postMessage", predicate=lambda c: c["channel"] == PRIYA and "on its way" in c["text"])
    deliver_later(runtime)
    assert not posts_to(slack, REPORTER)

    # The reporter, from the App Home: the code's window, then their case by the code (typed loosely).
    home = home_for(REPORTER, runtime.uow_factory)
    assert "case_check_code" in json.dumps(home)
    _, [asked] = run(runtime, click(REPORTER, "case_check_code", "check"), then="views.open",
                     predicate=lambda c: c["view"]["callback_id"] == "case_code_form")
    loosely = " " + "-".join(code[i:i + 4] for i in range(0, 16, 4)).lower() + " "
    shown = answer_to(runtime, code_submission(REPORTER, loosely))
    assert shown["response_action"] == "update"
    view = shown["view"]
    assert receipt.reference in json.dumps(view["blocks"]) and HEARD in json.dumps(view["blocks"])
    window = view["private_metadata"]
    assert receipt.reference not in window and code not in window  # sealed

    # They reply: straight to the case; the handlers are told, never what, nor by whom.
    done = answer_to(runtime, code_holder_submission(REPORTER, window, f"The {SAID_BACK} one, on Friday."))
    assert done["response_action"] == "update" and "Sent" in json.dumps(done["view"])
    deliver_later(runtime)
    told = [c for c in posts_to(slack, TOM) if "has written to you" in c["text"]]
    assert told and SAID_BACK not in json.dumps(told) and "chose to stay anonymous" in told[0]["text"]

    # They withdraw it: closed, the handlers told; the code then opens nothing, as a wrong one.
    run(runtime, code_holder_withdraw(REPORTER, window), then="views.update")
    assert "withdrawn" in json.dumps(slack.calls_to("views.update")[-1]["view"])
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        assert case.status == CaseStatus.closed
        assert [(m.from_reporter, m.author_slack_id) for m in case.messages] == [(False, PRIYA), (True, None)]
        everything = json.dumps([
            [a.actor for a in uow.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == case.reference))],
            [[m.recipient, m.payload, m.idempotency_key] for m in uow.session.scalars(select(OutboxMessage))],
            [case.reporter_slack_id, case.draft_owner, case.news_to_ciphertext]], default=str)
        assert REPORTER not in everything and code not in everything
    deliver_later(runtime)
    assert any("has been withdrawn by someone who chose to stay anonymous" in c["text"] for c in posts_to(slack, PRIYA))
    again = answer_to(runtime, code_submission(REPORTER, code))
    wrong = answer_to(runtime, code_submission(REPORTER, "ABCD EFGH JKMN PQRS"))
    assert again == wrong and again["errors"]["code"].startswith("That code doesn't match a case I can show you")
    # A window kept open past the withdrawal says so.
    late = answer_to(runtime, code_holder_submission(REPORTER, window, "one more thing"))
    assert "withdrawn" in late["errors"]["written"]


def test_wrong_codes_are_slowed_with_one_answer_and_a_forged_window_opens_nothing(runtime, slack):
    receipt = an_anonymous_case(runtime)
    answers = [answer_to(runtime, code_submission(STRANGER, f"{n:016d}"))["errors"]["code"] for n in range(5)]
    assert len(set(answers[:4])) == 1 and "doesn't match" in answers[0]
    assert "paused checking" in answers[4]
    # Even the right code waits now, for them; not for someone else.
    assert "paused checking" in answer_to(runtime, code_submission(STRANGER, receipt.code))["errors"]["code"]
    assert answer_to(runtime, code_submission(REPORTER, receipt.code))["response_action"] == "update"
    with runtime.uow_factory() as uow:
        from bot.core.models import ReceiptAttempt

        tried = uow.session.scalars(select(ReceiptAttempt)).all()
        assert len(tried) == 5 and STRANGER not in json.dumps([t.who for t in tried])
    # A window's metadata forged with the reference in clear acts on nothing.
    forged = answer_to(runtime, code_holder_submission(STRANGER, receipt.reference, "let me in"))
    assert "open a while" in json.dumps(forged["view"])
    with runtime.uow_factory() as uow:
        assert not uow.session.scalar(select(Case).where(Case.reference == receipt.reference)).messages


def test_an_anonymous_reporter_who_asked_is_told_only_that_there_is_news(runtime, slack):
    receipt = an_anonymous_case(runtime, tell_me=True)
    run(runtime, submission(PRIYA, receipt.reference, message=f"Could we ask about the {HEARD} session?"),
        then="chat.postMessage", predicate=lambda c: c["channel"] == PRIYA and "on its way" in c["text"])
    deliver_later(runtime)
    [news] = posts_to(slack, REPORTER)
    assert news["text"].startswith("There's news on a case you raised anonymously")
    assert receipt.reference not in json.dumps(news) and HEARD not in json.dumps(news)
    assert [e["action_id"] for b in news["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "case_check_code"]
    with runtime.uow_factory() as uow:
        # (its row, which joined the reporter to a moment a handler acted, is gone once delivered)
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "anonymous_news")).all()
        case = uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        assert case.reporter_slack_id is None and REPORTER.encode() not in case.news_to_ciphertext


# ---------------------------------------------------------------- held until someone else reports the same person

SUBJECT, SECOND = "U0SUBJECT1", "U0SECOND01"


def a_held_case(runtime, reporter=REPORTER, about=SUBJECT, **how):
    draft = save_draft(NARRATIVE, runtime.uow_factory())
    return submit_case(draft, reporter, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                       route_to="dandi_service", uow=runtime.uow_factory(), hold_for=about, **how)


def buttons_of(message: dict) -> list[tuple[str, str]]:
    return [(e["text"]["text"], e["action_id"]) for b in message.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]]


def test_a_held_case_is_seen_by_nobody_until_someone_else_holds_one_about_the_same_person(runtime, slack):
    first = a_held_case(runtime)
    assert first.held and not first.released
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == first.reference))
        assert case.status == CaseStatus.held and SUBJECT not in case.hold_key and len(case.hold_key) == 64
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_notice")).all()
    deliver_later(runtime)
    # Its reporter has a way to send or delete it; nobody else hears of it, or can open it.
    [held] = posts_to(slack, REPORTER)
    assert "is held: nobody sees it" in held["text"]
    assert buttons_of(held) == [("Send it now", "case_hold_send"), ("Delete it", "case_hold_delete")]
    assert not posts_to(slack, PRIYA) and not posts_to(slack, TOM)
    assert first.reference not in json.dumps(home_for(PRIYA, runtime.uow_factory))
    assert handle_case.cases_for(PRIYA, runtime.uow_factory()) == []
    run(runtime, click(PRIYA, "case_open", first.reference, "D0DANDI001"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == PRIYA)
    assert not slack.calls_to("views.open")
    run(runtime, click(STRANGER, "case_hold_send", first.reference, "D0STRANGE1"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == STRANGER)
    with runtime.uow_factory() as uow:
        assert uow.session.scalar(select(Case).where(Case.reference == first.reference)).status == CaseStatus.held

    # A case held about someone else leaves it be, as does a second of one's own about the same person;
    # someone else's about the same person, anonymous, releases them all.
    other = a_held_case(runtime, SECOND, about="U0SOMEONE9")
    assert other.held and a_held_case(runtime).held
    second = a_held_case(runtime, SECOND, anonymously=True, tell_me=True)
    assert second.released and not second.held and second.code
    with runtime.uow_factory() as uow:
        released = uow.session.scalars(select(Case).where(Case.reporter_slack_id == REPORTER)).all()
        assert len(released) == 2 and {(c.status, c.hold_key) for c in released} == {(CaseStatus.open, None)}
        assert uow.session.scalar(select(Case).where(Case.reference == second.reference)).status == CaseStatus.open
        assert uow.session.scalar(select(Case).where(Case.reference == other.reference)).status == CaseStatus.held
    deliver_later(runtime)
    told = [c for c in posts_to(slack, REPORTER) if "Someone else has raised something about the same person"
            in c["text"]]
    assert told and first.reference in told[0]["text"]
    assert buttons_of(told[0]) == [("Add information", "case_write"), ("Withdraw the case", "case_withdraw")]
    notices = [c["text"] for c in posts_to(slack, PRIYA)]
    assert any(first.reference in t for t in notices) and any(second.reference in t for t in notices)
    assert not [c for c in posts_to(slack, SECOND) if second.reference in json.dumps(c)]  # anonymous: no reference


def test_a_held_case_nobody_matches_asks_its_reporter_who_keeps_sends_or_deletes_it(runtime, slack):
    from datetime import timedelta

    from bot.core.models import utcnow
    from bot.journeys.case_deadlines import nudge_cases

    kept, deleted = a_held_case(runtime), a_held_case(runtime, about="U0SOMEONE8")
    later = utcnow() + timedelta(days=runtime.settings.case_hold_days + 1)
    assert nudge_cases(runtime.uow_factory(), runtime.settings, later) == 2
    assert nudge_cases(runtime.uow_factory(), runtime.settings, later) == 0  # asked once
    deliver_due(runtime.uow_factory, web_client(runtime.settings), runtime.settings, now=later)
    asked = [c for c in posts_to(slack, REPORTER) if "Nobody else has reported the same person" in c["text"]]
    assert len(asked) == 2 and buttons_of(asked[0]) == [
        ("Send it now", "case_hold_send"), ("Keep waiting", "case_hold_keep"), ("Delete it", "case_hold_delete")]

    run(runtime, click(REPORTER, "case_hold_keep", kept.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "keep holding it" in c["text"])
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == kept.reference))
        assert case.status == CaseStatus.held and case.hold_asked_at is None
    run(runtime, click(REPORTER, "case_hold_delete", deleted.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "Deleted" in c["text"])
    run(runtime, click(REPORTER, "case_hold_send", kept.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "Sent" in c["text"])
    with runtime.uow_factory() as uow:
        assert uow.session.scalar(select(Case).where(Case.reference == deleted.reference)) is None
        assert uow.session.scalar(select(Case).where(Case.reference == kept.reference)).status == CaseStatus.open
        actions = [a.action for a in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-3:] == ["kept_holding", "deleted_held_case", "released_case"]
    deliver(runtime)
    assert any(kept.reference in c["text"] for c in posts_to(slack, PRIYA))
    # Pressed again, the buttons say it has moved on.
    run(runtime, click(REPORTER, "case_hold_delete", kept.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "isn't held any more" in c["text"])


def test_an_anonymous_held_case_is_sent_from_its_code_holders_window(runtime, slack):
    held = a_held_case(runtime, anonymously=True)
    shown = answer_to(runtime, code_submission(REPORTER, held.code))["view"]
    assert "Held until someone else reports the same person" in json.dumps(shown["blocks"])
    assert [b for b in shown["blocks"] if b.get("block_id") == "hold:window"]
    payload = code_holder_withdraw(REPORTER, shown["private_metadata"])
    payload["actions"][0] |= {"action_id": "case_hold_send", "value": "window"}
    run(runtime, payload, then="views.update")
    assert "Sent" in json.dumps(slack.calls_to("views.update")[-1]["view"])
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == held.reference))
        assert case.status == CaseStatus.open and case.reporter_slack_id is None
    deliver_later(runtime)
    assert any(held.reference in c["text"] for c in posts_to(slack, PRIYA))


def test_a_held_case_whose_reporter_never_answers_is_deleted_a_retention_period_after_asking(runtime, slack):
    from datetime import timedelta

    from bot.core.models import utcnow
    from bot.journeys.case_deadlines import nudge_cases
    from bot.journeys.retention import purge

    held = a_held_case(runtime)
    asked_at = utcnow() + timedelta(days=runtime.settings.case_hold_days + 1)
    nudge_cases(runtime.uow_factory(), runtime.settings, asked_at)
    deliver_due(runtime.uow_factory, web_client(runtime.settings), runtime.settings, now=asked_at)
    [asked] = [c for c in posts_to(slack, REPORTER) if "Nobody else has reported" in c["text"]]
    assert f"I'll delete it in {runtime.settings.retain_closed_cases_days} days" in asked["text"]
    assert purge(runtime.uow_factory(), runtime.settings, asked_at + timedelta(days=30))["closed_cases"] == 0
    later = asked_at + timedelta(days=runtime.settings.retain_closed_cases_days + 1)
    assert purge(runtime.uow_factory(), runtime.settings, later)["closed_cases"] == 1
    with runtime.uow_factory() as uow:
        assert uow.session.scalar(select(Case).where(Case.reference == held.reference)) is None


def test_what_an_anonymous_case_keeps_says_only_the_day_even_inside_its_tokens(runtime, slack):
    """A Fernet token carries the moment it was made, in clear: an anonymous case's are re-made as
    of the day it was sent, so not even they point at the moment its reporter typed or sent it."""
    import base64
    import struct

    from bot.core.models import utcnow

    draft = save_draft(NARRATIVE, runtime.uow_factory())
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == draft))
        case.excluded_ciphertext = uow.cipher.encrypt(json.dumps([TOM]))
        uow.commit()
    receipt = submit_case(draft, REPORTER, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                          route_to="dandi_service", uow=runtime.uow_factory(), anonymously=True, tell_me=True)

    def made_at(token: bytes) -> int:
        return struct.unpack(">Q", base64.urlsafe_b64decode(token)[1:9])[0]

    midnight = int(utcnow().replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
    with runtime.uow_factory() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        tokens = (case.narrative_ciphertext, case.excluded_ciphertext, case.news_to_ciphertext)
        assert [made_at(t) for t in tokens] == [midnight] * 3
        assert environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE  # still the same text


def test_an_anonymous_reporters_news_dm_waits_is_forgotten_once_sent_and_a_failure_is_told_to_nobody(runtime, slack):
    receipt = an_anonymous_case(runtime, tell_me=True)
    run(runtime, submission(PRIYA, receipt.reference, message="A question for you."),
        then="chat.postMessage", predicate=lambda c: c["channel"] == PRIYA and "on its way" in c["text"])
    with runtime.uow_factory() as uow:
        [news] = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "anonymous_news")).all()
        assert (news.created_at.hour, news.created_at.minute) == (0, 0)
    deliver(runtime)
    assert not posts_to(slack, REPORTER)  # not at the moment the handler wrote
    deliver_later(runtime)
    assert len(posts_to(slack, REPORTER)) == 1
    with runtime.uow_factory() as uow:
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "anonymous_news")).all()

    # Undeliverable: logged, and nobody (the team least of all) is told who it was for.
    run(runtime, submission(PRIYA, receipt.reference, message="Another question."),
        then="chat.postMessage", predicate=lambda c: c["channel"] == PRIYA and "on its way" in c["text"] and
        len([p for p in posts_to(slack, PRIYA) if "on its way" in p["text"]]) == 2)
    slack.fail("chat.postMessage", error="user_not_found")
    deliver_later(runtime)
    with runtime.uow_factory() as uow:
        [failed] = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "anonymous_news")).all()
        assert failed.status.value == "failed"
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "delivery_failed")).all()


def test_held_cases_held_at_the_same_moment_are_matched_by_the_housekeeping_and_keep_waiting_asks_again(runtime,
                                                                                                      slack):
    from datetime import timedelta

    from bot.core.models import utcnow
    from bot.journeys.case_deadlines import nudge_cases
    from bot.journeys.raise_issue import match_held_cases

    first, second = a_held_case(runtime), a_held_case(runtime, SECOND, about="U0SOMEONE7")
    with runtime.uow_factory() as uow:  # as if both had been held at once, each missing the other
        held = uow.session.scalar(select(Case).where(Case.reference == second.reference))
        held.hold_key = uow.session.scalar(select(Case).where(Case.reference == first.reference)).hold_key
        uow.commit()
    assert match_held_cases(runtime.uow_factory()) == 2
    with runtime.uow_factory() as uow:
        assert {c.status for c in uow.session.scalars(select(Case).where(
            Case.reference.in_([first.reference, second.reference])))} == {CaseStatus.open}
    deliver(runtime)
    for reporter, reference in ((REPORTER, first.reference), (SECOND, second.reference)):
        assert any("Someone else has raised something" in c["text"] and reference in c["text"]
                   for c in posts_to(slack, reporter))

    waiting = a_held_case(runtime, about="U0SOMEONE6")
    days = runtime.settings.case_hold_days

    def asked_after(days_on: int) -> int:
        nudge_cases(runtime.uow_factory(), runtime.settings, utcnow() + timedelta(days=days_on))
        with runtime.uow_factory() as uow:
            return len(uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.idempotency_key.startswith(f"case_hold_ended:{waiting.reference}:"))).all())

    assert asked_after(days + 1) == 1
    run(runtime, click(REPORTER, "case_hold_keep", waiting.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "keep holding it" in c["text"])
    # (kept waiting now: asked again a whole period from now, not before)
    assert asked_after(days - 1) == 1 and asked_after(days + 1) == 2


def test_a_held_case_nobody_may_handle_any_more_stays_held_when_its_reporter_presses_send(runtime, slack):
    from bot.core import routing

    held = a_held_case(runtime)
    with runtime.uow_factory() as uow:  # everyone who handles cases is now someone it's kept from
        case = uow.session.scalar(select(Case).where(Case.reference == held.reference))
        case.excluded_ciphertext = uow.cipher.encrypt(json.dumps(sorted(routing.case_roster(uow.session))))
        uow.commit()
    run(runtime, click(REPORTER, "case_hold_send", held.reference, "D0REPORT01"), then="chat.postEphemeral",
        predicate=lambda c: c["user"] == REPORTER and "It stays held" in c["text"])
    with runtime.uow_factory() as uow:
        assert uow.session.scalar(select(Case).where(Case.reference == held.reference)).status == CaseStatus.held
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_notice")).all()
