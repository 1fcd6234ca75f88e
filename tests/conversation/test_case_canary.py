"""The canary: confidential text is found nowhere it must not be.

Three cases are raised, each with made-up marker words in what happened and in who must not
handle it: one over REST, one typed into a Slack DM, one through Slack's form (a modal). Each
starts with what happened told in the first message (safe mode), and answers a question on the
way with a marker word too: over REST the story told up front is used as what happened; in the
DM it is declined and told again; in Slack's form it is written again in the form. On the
DM's case a handler then writes to the reporter from the case modal and the reporter replies
from theirs, each message with a marker word too. The servers log at DEBUG level. Then every store is searched: Rasa's tracker store (in-process,
SQL and Redis, one run each), both servers' logs, every Slack API call the assistant made,
and every row and column of the database (outbox, audit log and the case rows included).
Each marker must be found 0 times, and, as the control that makes this test able to fail,
found in the decrypted cases.

Not searched: what the modals show in Slack (a handler's *Open* carries the narrative and the
thread, the reporter's the thread, by design; tests/integration/test_slack_handle_case.py
checks they leave no log line), and the DM that brings the reporter the handler's message,
which is where they read it."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest

from bot.core.constants import SEALED
from bot.core.models import AuditEntry, Case, CaseMessage, CaseStatus, OutboxMessage
from bot.journeys.raise_issue import excluded_ids
from harness.records import environment_cipher, rows
from harness.slack_people import SlackPerson, SlackWorkspace, click, post_signed


NARRATIVE_MARK, EXCLUDED_MARK = "Quokkafrond", "Wombatlantern"
NARRATIVE = (f"During the {NARRATIVE_MARK} planning call a senior colleague mocked my accent in front of "
             "everyone, and then did it again in the group channel the next day.")
EXCLUDED = f"Tom Becker, and {EXCLUDED_MARK} from finance"
STORY_MARK, ANSWER_MARK = "Numbatquill", "Potoroomist"
UP_FRONT = (f"I need to raise an issue confidentially. At the {STORY_MARK} team lunch the organiser made a joke "
            "about my religion and people laughed.")
CATEGORY = f"discrimination I think, the {ANSWER_MARK} kind"
RELAY_OUT_MARK, RELAY_IN_MARK = "Kinkajouvelvet", "Tarsierlamp"
MARKS = (NARRATIVE_MARK, EXCLUDED_MARK, STORY_MARK, ANSWER_MARK, RELAY_OUT_MARK, RELAY_IN_MARK)
TOM = "U0DANDI002"
ANONYMOUS_MARK = "Bilbyharp"
MARKS_EVERYWHERE = None  # a marker searched for in every place
CONVERSATION_AND_LOGS = ("tracker store (Rasa's API)", "tracker store (as stored)", "Rasa's log (DEBUG)",
                         "the action server's log (DEBUG)")


def view_submission(user: str, channel: str, narrative: str, excluded: list[str]) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.789",
            "view": {"id": "V0CANARY01", "type": "modal", "callback_id": "raise_issue_details",
                     "private_metadata": json.dumps({"channel": channel}),
                     "state": {"values": {"what_happened": {"what_happened": {"type": "plain_text_input",
                                                                              "value": narrative}},
                                          "must_not_handle": {"must_not_handle": {"type": "multi_users_select",
                                                                                  "selected_users": excluded}}}}}}


@pytest.mark.parametrize("store", ["memory", "sql", "redis"])
def test_the_markers_are_nowhere_but_in_the_encrypted_cases(store, assistant_with_store):
    from harness.servers import Chat, dump_database

    assistant, read_tracker_store = assistant_with_store
    base_url, slack, database_url, logs = (assistant.base_url, assistant.slack, assistant.database_url,
                                           assistant.workdir)
    workspace = SlackWorkspace(assistant, slack, None)

    # Over REST.
    chat = Chat(base_url, "canary-rest")
    assert "I'll ask whether to use it" in chat.text_of(UP_FRONT)
    chat.say("for myself")
    assert "Shall I use what you wrote" in chat.text_of(CATEGORY)
    assert "I'll use what you wrote" in chat.text_of("Yes, use what I wrote")
    for answer in (EXCLUDED, "D&I service team"):
        chat.say(answer)
    assert "It's sent" in chat.text_of("yes")

    # Typed into a Slack DM.
    typed = SlackPerson(workspace, "U0CANARY01")
    for answer in (UP_FRONT, "for myself"):
        typed.say(answer)
    assert "Shall I use what you wrote" in typed.say(CATEGORY)
    typed.say("no")  # declined: deleted, and asked to tell it again
    typed.say(NARRATIVE)  # taken by the channel: answered privately, then the next question
    typed.say(EXCLUDED)
    typed.say("D&I service team")
    assert "It's sent" in typed.say("yes")

    # Through Slack's form.
    form = SlackPerson(workspace, "U0CANARY02")
    for answer in (UP_FRONT, "for myself"):
        form.say(answer)
    asked = form.say(CATEGORY)
    assert "private form" in asked
    message = form.replies()[-1]
    button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "raise_issue_details_open")
    assert click(workspace, form.user, button["action_id"], button["value"], form.dm) == 200
    slack.wait_for("views.open", timeout=20, predicate=lambda c: c["view"]["callback_id"]
                   == "raise_issue_details")
    before = len(form.replies())
    body = urllib.parse.urlencode({"payload": json.dumps(view_submission(
        form.user, form.dm, NARRATIVE + f" {EXCLUDED_MARK} saw it.", [TOM]))}).encode()
    assert post_signed(workspace.webhook, body, "application/x-www-form-urlencoded")[0] == 200
    assert "Who should it go to?" in "\n".join(m["text"] for m in form._await_replies(before))
    form.say("D&I service team")
    assert "It's sent" in form.say("yes")

    # Typed into a Slack DM and sent anonymously from the summary's private window; then checked
    # with the receipt code, and answered from there.
    hidden = SlackPerson(workspace, "U0CANARY03")
    earlier = {case.id for case in rows(assistant, Case, Case.anonymous.is_(True))}  # (a shared server's)
    for answer in (UP_FRONT, "for myself"):
        hidden.say(answer)
    assert "Shall I use what you wrote" in hidden.say(CATEGORY)
    hidden.press("Yes, use what I wrote")
    hidden.say(EXCLUDED)
    hidden.say("D&I service team")
    assert click(workspace, hidden.user, "raise_issue_anonymous_open", "send it anonymously", hidden.dm) == 200
    slack.wait_for("views.open", timeout=20, predicate=lambda c: c["view"]["callback_id"] == "raise_issue_anonymous")
    before = len(hidden.replies())
    status, body = post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(
        anonymous_submission(hidden.user, hidden.dm))}).encode(), "application/x-www-form-urlencoded")
    assert status == 200
    [receipt] = slack.wait_for("views.update", timeout=20, predicate=lambda c: c["view_id"] == "V0CANARY04")
    code = next(b["text"]["text"] for b in receipt["view"]["blocks"] if "`" in b["text"]["text"]).strip("*`")
    assert "It's sent, anonymously" in "\n".join(m["text"] for m in hidden._await_replies(before))
    [anonymous] = [case for case in rows(assistant, Case, Case.anonymous.is_(True)) if case.id not in earlier]
    as_sent = rows_of_the_case(assistant, anonymous)
    status, body = post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(
        code_submission(hidden.user, code))}).encode(), "application/x-www-form-urlencoded")
    window = json.loads(body)["view"]["private_metadata"]
    status, body = post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(
        code_holder_submission(hidden.user, window, f"And {ANONYMOUS_MARK} saw it too."))}).encode(),
        "application/x-www-form-urlencoded")
    assert status == 200 and "Sent" in body.decode()
    [said_back] = [environment_cipher().decrypt(m.body_ciphertext)
                   for m in rows(assistant, CaseMessage, CaseMessage.case_id == anonymous.id)]
    assert ANONYMOUS_MARK in said_back  # the control: kept, encrypted

    reporters = (chat.sender, typed.user, form.user)
    cases = rows(assistant, Case, Case.status == CaseStatus.open, Case.reporter_slack_id.in_(reporters))
    assert len(cases) == 3
    references = {case.reference for case in cases}
    # The notices reach the handlers (so the outbox and Slack calls hold everything they will).
    slack.wait_for("chat.postMessage", count=3, timeout=30,
                   predicate=lambda c: c["channel"] == "U0DANDI001" and any(
                       reference in (c.get("text") or "") for reference in references))

    # A handler writes to the DM's reporter from the case modal; they reply from theirs.
    [typed_case] = [case for case in cases if case.reporter_slack_id == typed.user]
    handler = "U0DANDI001"
    assert post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(case_form_submission(
        handler, typed_case.reference, f"Thank you. Was the {RELAY_OUT_MARK} call recorded?"))}).encode(),
        "application/x-www-form-urlencoded")[0] == 200
    [relayed] = slack.wait_for("chat.postMessage", timeout=30, predicate=lambda c: c["channel"] in (
        typed.user, typed.dm) and RELAY_OUT_MARK in (c.get("text") or ""))
    assert [e["action_id"] for b in relayed["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "case_write", "case_withdraw"]
    assert click(workspace, typed.user, "case_write", typed_case.reference, typed.dm) == 200
    slack.wait_for("views.open", timeout=20, predicate=lambda c: c["view"]["callback_id"] == "case_reporter_form")
    assert post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(reporter_form_submission(
        typed.user, typed_case.reference, f"No, but {RELAY_IN_MARK} from my team took notes."))}).encode(),
        "application/x-www-form-urlencoded")[0] == 200
    slack.wait_for("chat.postMessage", timeout=30, predicate=lambda c: c["channel"] == handler
                   and typed_case.reference in (c.get("text") or "") and "has written to you" in c["text"])
    thread = [environment_cipher().decrypt(m.body_ciphertext)
              for m in rows(assistant, CaseMessage, CaseMessage.case_id == typed_case.id)]
    assert RELAY_OUT_MARK in thread[0] and RELAY_IN_MARK in thread[1]  # the control: both kept, encrypted

    time.sleep(1)
    trackers = "\n".join(json.dumps(tracker_of(base_url, sender)) for sender in (*reporters, hidden.user))
    # Shown by design: the modals (the receipt code's included), and the DM that brings the reporter the
    # handler's message.
    searched_calls = [c for c in slack.calls if c.method not in ("views.open", "views.update")
                      and c is not relayed_call(slack, relayed)]

    for case in [*cases, anonymous]:
        told = environment_cipher().decrypt(case.narrative_ciphertext)  # the control: what was said was kept
        told_up_front = case.reporter_slack_id == chat.sender or case.anonymous
        assert (STORY_MARK in told) is told_up_front and (NARRATIVE_MARK in told) is not told_up_front
        assert excluded_ids(case, environment_cipher()) == {TOM}  # Tom matched by name, and picked in the form
        assert case.category == "discrimination"  # the marked answer was read
    notices = [m for m in rows(assistant, OutboxMessage)
               if any(reference in json.dumps(m.payload) for reference in references)]
    assert notices and TOM not in {m.recipient for m in notices}  # never told
    places = {
        "tracker store (Rasa's API)": trackers,
        "tracker store (as stored)": read_tracker_store() if read_tracker_store else "",
        "Rasa's log (DEBUG)": (logs / "rasa.log").read_text(errors="replace"),
        "the action server's log (DEBUG)": (logs / "actions.log").read_text(errors="replace"),
        "Slack API calls": json.dumps([[c.method, c.args, c.response] for c in searched_calls], default=str),
        "the database (every table, outbox and audit log included)": dump_database(database_url),
    }
    # The anonymous case: its code nowhere, its reference nowhere the conversation or a log is
    # kept (the handlers' notices and the case's row hold it by design), and its reporter's Slack
    # id in no row of the case (the case, its messages, its audit entries and its notices).
    marks = {mark: MARKS_EVERYWHERE for mark in (*MARKS, ANONYMOUS_MARK, code, code.replace("-", ""))}
    marks[anonymous.reference] = CONVERSATION_AND_LOGS
    of_the_case = rows_of_the_case(assistant, anonymous)
    places["the anonymous case's rows"] = json.dumps([{c.name: getattr(row, c.name) for c in row.__table__.columns}
                                                      for row in of_the_case], default=str)
    marks[hidden.user] = ("the anonymous case's rows",)
    found = {place: {mark: text.lower().count(mark.lower()) for mark, where in marks.items()
                     if where is MARKS_EVERYWHERE or place in where} for place, text in places.items()}
    print("\nmarkers found per place (store: " + store + "):\n" + "\n".join(
        f"  {place}: {counts}" for place, counts in found.items()))
    assert all(count == 0 for counts in found.values() for count in counts.values())
    assert len(of_the_case) >= 4 and sum(map(len, found.values())) == 9 * len(places) + len(CONVERSATION_AND_LOGS) + 1
    # Nor does any time the sending kept fall within two seconds of a moment of the conversation.
    moments = [e["timestamp"] for e in tracker_of(base_url, hidden.user)["events"] if e.get("timestamp")]
    kept = [value.timestamp() for row in as_sent
            for value in (getattr(row, c.name) for c in row.__table__.columns) if hasattr(value, "timestamp")]
    assert moments and kept and not [t for t in kept if any(abs(t - m) < 2 for m in moments)]
    assert not any(f'"{SEALED}"' in text for place, text in places.items() if place.startswith("tracker store"))
    assert len(places["Rasa's log (DEBUG)"]) > 10_000  # it really logged at DEBUG level
    if read_tracker_store:  # and the conversations really were kept in the store searched
        assert "canary-rest" in places["tracker store (as stored)"] and "U0CANARY02" in places["tracker store (as stored)"]


def case_form_submission(user: str, reference: str, message: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.790",
            "view": {"id": "V0CANARY02", "type": "modal", "callback_id": "case_form", "private_metadata": reference,
                     "state": {"values": {"message": {"message": {"type": "plain_text_input", "value": message}}}}}}


def reporter_form_submission(user: str, reference: str, text: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.791",
            "view": {"id": "V0CANARY03", "type": "modal", "callback_id": "case_reporter_form",
                     "private_metadata": reference,
                     "state": {"values": {"written": {"written": {"type": "plain_text_input", "value": text}}}}}}


def relayed_call(slack, args: dict):
    return next(c for c in slack.calls if c.args is args)


def tracker_of(base_url: str, sender: str) -> dict:
    """A conversation's tracker, through Rasa's token-checked API."""
    from harness.servers import API_TOKEN

    with urllib.request.urlopen(f"{base_url}/conversations/{urllib.parse.quote(sender)}/tracker?token={API_TOKEN}",
                                timeout=30) as response:
        return json.loads(response.read())


def anonymous_submission(user: str, channel: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.792",
            "view": {"id": "V0CANARY04", "type": "modal", "callback_id": "raise_issue_anonymous",
                     "private_metadata": json.dumps({"channel": channel}),
                     "state": {"values": {"tell_me": {"tell_me": {"type": "checkboxes", "selected_options": []}}}}}}


def code_submission(user: str, code: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.793",
            "view": {"id": "V0CANARY05", "type": "modal", "callback_id": "case_code_form", "private_metadata": "",
                     "state": {"values": {"code": {"code": {"type": "plain_text_input", "value": code}}}}}}


def code_holder_submission(user: str, window: str, text: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.794",
            "view": {"id": "V0CANARY06", "type": "modal", "callback_id": "case_code_holder_form",
                     "private_metadata": window,
                     "state": {"values": {"written": {"written": {"type": "plain_text_input", "value": text}}}}}}


def rows_of_the_case(assistant, case: Case) -> list:
    """Every row of a case: itself, its messages, its audit entries and its notices."""
    return [*rows(assistant, Case, Case.id == case.id), *rows(assistant, CaseMessage, CaseMessage.case_id == case.id),
            *rows(assistant, AuditEntry, AuditEntry.subject_id == case.reference),
            *[m for m in rows(assistant, OutboxMessage) if case.reference in m.idempotency_key]]
