"""Slack end to end: properly signed Events API requests and Socket Mode envelopes into the
real Rasa server (our Slack channels from credentials.yml) and action server; everything the
assistant does in Slack lands in the Slack double through the real slack-sdk client."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.core.models import GroupProposal, InviteRequest
from harness.records import rows
from harness.slack_people import SlackPerson, SlackWorkspace, click, click_payload, dm_event, new_event_id, post_signed


@pytest.fixture(scope="module")
def workspace(assistant):
    """The shared assistant's Slack side (tests/conftest.py: REST and Slack both on)."""
    return SlackWorkspace(assistant, assistant.slack, assistant.socket)


def test_an_invite_request_in_slack_approved_by_an_organisers_button(workspace):
    slack, person = workspace.slack, SlackPerson(workspace, "U0SLACKER1")
    assert "You identify as a woman." in person.say("can I get an invite to Women in Tech?")
    assert "add a short note" in person.press("Yes, it does")
    # The pressed question's buttons are replaced by the choice, so they can't be pressed again.
    [settled] = slack.wait_for("chat.update", predicate=lambda c: c["channel"] == person.dm)
    assert "You chose: *Yes, it does*" in json.dumps(settled["blocks"])
    assert not any(b["type"] == "actions" for b in settled["blocks"])
    assert "*Note to the organisers:* Hi &amp; thanks" in person.say("Hi & thanks")
    done = person.say("yes, send it")
    [request] = rows(workspace.assistant, InviteRequest, InviteRequest.requester_slack_id == "U0SLACKER1")
    assert request.reference in done

    # The worker delivers the request to both organisers, with Approve and Decline.
    to_organisers = slack.wait_for("chat.postMessage", count=2, timeout=20,
                                   predicate=lambda c: request.reference in (c.get("text") or "")
                                   and c["channel"] in ("U0WIT00001", "U0WIT00002"))
    approve = to_organisers[0]["blocks"][-1]["elements"][0]
    assert approve["text"]["text"] == "Approve"

    # Someone else's click is refused, only they see it, nothing changes.
    assert click(workspace, "U0NOTORG01", approve["action_id"], approve["value"], "D0NOTORG01") == 200
    [refused] = slack.wait_for("chat.postEphemeral", predicate=lambda c: c["user"] == "U0NOTORG01")
    assert "Only the organisers of Women in Tech" in refused["text"]

    assert click(workspace, "U0WIT00002", approve["action_id"], approve["value"], "D0WIT00002") == 200
    slack.wait_for("conversations.invite", predicate=lambda c: c["channel"] == "C0WIT00001"
                   and c["users"] == "U0SLACKER1")
    assert len(slack.wait_for("chat.update", count=2, predicate=lambda c: "Approved by <@U0WIT00002>"
                              in json.dumps(c.get("blocks")))) == 2
    [told] = slack.wait_for("chat.postMessage", predicate=lambda c: c["channel"] == "U0SLACKER1")
    assert "was approved" in told["text"] and request.reference in told["text"]
    assert "U0SLACKER1" in slack.channels["C0WIT00001"].members


def test_a_proposal_in_slack_approved_by_the_dandi_team_creates_its_channel(workspace):
    slack, person = workspace.slack, SlackPerson(workspace, "U0PROPOSR1")
    person.say("I want to start a new group")
    person.say("Chess Club")
    person.say("open")
    person.say("Playing chess together at lunchtime, all levels welcome")
    person.say("Wednesdays at lunch in the canteen")
    person.say("<@U0PROPOSR1> and <@U0COORG001>")
    summary = person.say("yes")
    assert "*Name:* Chess Club" in summary
    done = person.say("yes")
    [proposal] = rows(workspace.assistant, GroupProposal, GroupProposal.proposer_slack_id == "U0PROPOSR1")
    assert proposal.reference in done
    [posted] = slack.wait_for("chat.postMessage", timeout=20, predicate=lambda c: c["channel"] == "C0DANDI001"
                              and proposal.reference in c["text"])
    approve = posted["blocks"][-1]["elements"][0]
    assert click(workspace, "U0DANDI001", approve["action_id"], approve["value"], "C0DANDI001") == 200
    [created] = slack.wait_for("conversations.create")
    assert created["name"] == "chess-club" and created["is_private"] in (False, "false", "0")
    channel = next(c for c in slack.channels.values() if c.name == "chess-club")
    slack.wait_for("conversations.invite", count=2, predicate=lambda c: c["channel"] == channel.id)
    assert {"U0PROPOSR1", "U0COORG001"} <= channel.members
    [told] = slack.wait_for("chat.postMessage", predicate=lambda c: c["channel"] == "U0PROPOSR1")
    assert "has been approved" in told["text"]
    assert "Chess Club" in SlackPerson(workspace, "U0FINDER01").say("tell me about Chess Club")


def test_bad_and_stale_signatures_are_rejected_and_nothing_is_processed(workspace):
    body = json.dumps(dm_event("U0FORGER01", "hello")).encode()
    assert post_signed(workspace.webhook, body, "application/json", secret="not-the-secret")[0] == 401
    assert post_signed(workspace.webhook, body, "application/json", timestamp=int(time.time()) - 600)[0] == 401
    unsigned = urllib.request.Request(workspace.webhook, data=body, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 401
    time.sleep(2)
    assert not [c for c in workspace.slack.calls if "D0FORGER01" in json.dumps(c.args)]


def test_a_retried_event_is_answered_once(workspace):
    person = SlackPerson(workspace, "U0RETRY001")
    event = json.dumps(dm_event("U0RETRY001", "hello", event_id="EvRETRY0001")).encode()
    assert post_signed(workspace.webhook, event, "application/json")[0] == 200
    person._await_replies(0)
    answered = len(person.replies())
    for attempt in (1, 2):
        status, _ = post_signed(workspace.webhook, event, "application/json",
                                headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    # One conversation is handled in order, so once a later message is answered, a retry
    # that had been taken in would have been answered before it.
    greeting = {m["text"] for m in person.replies()}
    assert person.say("thanks")
    assert not [m for m in person.replies()[answered:] if m["text"] in greeting]


def test_bot_messages_and_edits_are_ignored(workspace):
    for event in (dm_event("U0IGNORE01", "I am a bot", bot_id="B0OTHER001"),
                  dm_event("U0IGNORE01", "edited", subtype="message_changed")):
        assert post_signed(workspace.webhook, json.dumps(event).encode(), "application/json")[0] == 200
    person = SlackPerson(workspace, "U0IGNORE01")
    person.say("hello")
    assert len(person.replies()) == 1  # only the real message was answered


@pytest.mark.parametrize("user, mention", [("U0HASHNAME", "<#C0CLIMAT01|climate-action>"),
                                           ("U0HASHID01", "<#C0CLIMAT01>")])
def test_a_channel_mention_names_the_group_to_join(workspace, user, mention):
    # Typing "#climate-action" in Slack sends a channel mention, with or without its name.
    person = SlackPerson(workspace, user)
    assert person.say(f"can you add me to {mention}?").startswith("Welcome to *Climate Action*!")
    workspace.slack.wait_for("conversations.invite",
                             predicate=lambda c: c["channel"] == "C0CLIMAT01" and c["users"] == user)


def test_opening_the_app_home_publishes_the_directory(workspace):
    event = {"type": "event_callback", "event_id": new_event_id(),
             "event": {"type": "app_home_opened", "user": "U0HOME0001", "tab": "home", "channel": "D0HOME0001"}}
    assert post_signed(workspace.webhook, json.dumps(event).encode(), "application/json")[0] == 200
    [published] = workspace.slack.wait_for("views.publish", predicate=lambda c: c["user_id"] == "U0HOME0001")
    assert published["view"]["type"] == "home" and "Women in Tech" in json.dumps(published["view"])


def test_a_new_member_is_welcomed(workspace):
    event = {"type": "event_callback", "event_id": new_event_id(),
             "event": {"type": "team_join", "user": {"id": "U0NEWBIE01", "is_bot": False}}}
    assert post_signed(workspace.webhook, json.dumps(event).encode(), "application/json")[0] == 200
    [welcome] = workspace.slack.wait_for("chat.postMessage", timeout=20,
                                         predicate=lambda c: c["channel"] == "U0NEWBIE01")
    assert welcome["text"].startswith("Welcome!") and "Climate Action" in json.dumps(welcome["blocks"])


def test_socket_mode_envelope_in_ack_and_answer_out(workspace):
    envelope = workspace.socket.send_envelope(dm_event("U0SOCKET01", "is there a group for parents?"))
    assert workspace.socket.wait_for_ack(envelope)["envelope_id"] == envelope
    [answer] = workspace.slack.wait_for("chat.postMessage", timeout=60,
                                        predicate=lambda c: c["channel"] == "D0SOCKET01")
    assert "Parents and Carers" in answer["text"]


def test_socket_mode_button_click_in_ack_and_answer_out(workspace):
    payload = click_payload("U0SOCKET02", "conversation:0", "list the closed groups", "D0SOCKET02")
    envelope = workspace.socket.send_envelope(payload, type="interactive")
    assert workspace.socket.wait_for_ack(envelope)["envelope_id"] == envelope
    [answer] = workspace.slack.wait_for("chat.postMessage", timeout=60,
                                        predicate=lambda c: c["channel"] == "D0SOCKET02")
    assert "Women in Tech" in answer["text"]


def test_an_organiser_declines_in_a_form_with_a_reason_the_requester_is_told(workspace):
    slack, person = workspace.slack, SlackPerson(workspace, "U0DECLINE1")
    person.say("I'd like to request an invite to Women in Tech")
    person.say("yes")
    person.say("no note")
    done = person.say("yes")
    [request] = rows(workspace.assistant, InviteRequest, InviteRequest.requester_slack_id == "U0DECLINE1")
    assert request.reference in done
    [to_organiser] = slack.wait_for("chat.postMessage", timeout=20, predicate=lambda c: c["channel"] == "U0WIT00001"
                                    and request.reference in c["text"])
    decline = to_organiser["blocks"][-1]["elements"][1]
    assert click(workspace, "U0WIT00001", decline["action_id"], decline["value"], "D0WIT00001") == 200
    [opened] = slack.wait_for("views.open", predicate=lambda c: request.reference in c["view"]["private_metadata"])
    view = opened["view"]
    submission = {"type": "view_submission", "user": {"id": "U0WIT00001"},
                  "view": {**view, "state": {"values": {"reason": {"reason": {
                      "type": "plain_text_input", "value": "We're pausing new members until <March>"}}}}}}
    body = urllib.parse.urlencode({"payload": json.dumps(submission)}).encode()
    assert post_signed(workspace.webhook, body, "application/x-www-form-urlencoded")[0] == 200
    [told] = slack.wait_for("chat.postMessage", timeout=20, predicate=lambda c: c["channel"] == "U0DECLINE1")
    assert "weren't able to accept" in told["text"] and "until &lt;March&gt;" in told["text"]
    assert not [c for c in slack.calls_to("conversations.invite") if c["users"] == "U0DECLINE1"]
    [status] = rows(workspace.assistant, InviteRequest, InviteRequest.reference == request.reference)
    assert status.status.value == "declined"


def test_a_dm_over_the_length_limit_is_answered_without_being_read(workspace):
    from harness.servers import API_TOKEN

    person = SlackPerson(workspace, "U0LONGDM01")
    assert "That's a very long message" in person.say("Please read this: " + "lorem ipsum " * 1_000)
    # Within the limit as sent, over it once Slack's markup is read ("<#C…>" becomes "a channel").
    assert "That's a very long message" in person.say("<#C1>" * 600)
    assert "Parents and Carers" in person.say("is there a group for parents?")
    # Neither long message reached Rasa: the conversation holds only the question.
    with urllib.request.urlopen(f"{workspace.assistant.base_url}/conversations/U0LONGDM01/tracker?token={API_TOKEN}",
                                timeout=30) as response:
        typed = [e["text"] for e in json.loads(response.read())["events"] if e["event"] == "user"]
    assert typed == ["is there a group for parents?"]


def test_a_dm_whose_sender_is_not_a_slack_user_id_is_not_taken_in(workspace):
    slack = workspace.slack
    for user in ("rest:U0SLACKER1", "U0SLACKER1>", "<!here>"):
        event = dm_event("U0FAKE0001", "my requests")
        event["event"]["user"] = user
        assert post_signed(workspace.webhook, json.dumps(event).encode(), "application/json")[0] == 200
    time.sleep(2)
    assert not [c for c in slack.calls_to("chat.postMessage") if c.get("channel") == "D0FAKE0001"]


def test_what_happened_told_in_the_first_dm_is_offered_kept_out_of_the_conversation(workspace):
    """Safe mode in Slack: the story told up front is held encrypted, offered with the private
    form as the other way, and used when they press yes; the reply that says so is ephemeral and
    honest that Slack's own history keeps what was typed."""
    from bot.core.models import Case
    from harness.records import environment_cipher
    from tests.conversation.test_case_canary import tracker_of

    person = SlackPerson(workspace, "U0SAFEMODE1")
    story = ("hey, I want to report something that happened in the faith and belief channel: someone keeps "
             "posting jokes about my headscarf and the organiser ignores it")
    opening = person.say(story)
    assert "I haven't kept what you wrote in this conversation" in opening
    person.say("myself")
    offer = person.say("discrimination")
    assert "Shall I use what you wrote" in offer and "hover over it" in offer
    message = person.replies()[-1]
    titles = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert titles == ["Yes, use what I wrote", "Write it in the form", "Stop here"]
    slack = workspace.slack
    assert not [c for c in slack.calls_to("chat.postEphemeral") if c["user"] == person.user]
    assert "must not handle this" in person.press("Yes, use what I wrote")
    said = slack.wait_for("chat.postEphemeral", timeout=20,
                          predicate=lambda c: c["user"] == person.user)[-1]["text"]
    assert "I'll use what you wrote" in said and "Slack itself keeps the message you typed" in said
    person.press("No one")
    person.say("People team")
    assert "It's sent" in person.say("yes")
    [case] = rows(workspace.assistant, Case, Case.reporter_slack_id == person.user)
    assert environment_cipher().decrypt(case.narrative_ciphertext) == story
    assert "headscarf" not in json.dumps(tracker_of(workspace.assistant.base_url, person.user))


def anonymous_submission(user: str, channel: str, *, tell_me: bool) -> dict:
    chosen = [{"value": "tell_me"}] if tell_me else []
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.792",
            "view": {"id": "V0ANONYM01", "type": "modal", "callback_id": "raise_issue_anonymous",
                     "private_metadata": json.dumps({"channel": channel}),
                     "state": {"values": {"tell_me": {"tell_me": {"type": "checkboxes",
                                                                  "selected_options": chosen}}}}}}


def test_a_case_sent_anonymously_from_the_summary_keeps_no_name_and_the_conversation_no_code(workspace):
    """At the summary, "can it be anonymous?" is no yes: the private window says what anonymous
    means here and sends it; the code is shown there once, and the conversation only hears that
    it went, with nothing that points to the case."""
    from bot.core.models import Case
    from harness.records import environment_cipher
    from tests.conversation.test_case_canary import tracker_of

    person = SlackPerson(workspace, "U0ANONYMO1")
    sent_before = {c.id for c in rows(workspace.assistant, Case, Case.anonymous.is_(True))}  # (the server is shared)
    person.say("i need to report something in confidence")
    person.say("just me")
    person.say("someone's behaviour in a group")
    story = "At the last Walking Club meetup the organiser kept making comments about my weight in front of everyone."
    person.say(story)  # typed into the DM: taken by the channel, then who must not handle it
    person.press("No one")
    summary = person.say("People team")
    assert "*From:* you, by name" in summary
    asked = person.say("hmm actually can it be anonymous? i'd rather they didnt know it was me")
    assert "private window tells you exactly what anonymous means here" in asked
    slack = workspace.slack
    # Not sent by asking.
    assert {c.id for c in rows(workspace.assistant, Case, Case.anonymous.is_(True))} == sent_before

    message = person.replies()[-1]
    button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["text"]["text"] == "Send it anonymously")
    assert button["action_id"] == "raise_issue_anonymous_open"
    def anonymous_window(call: dict) -> bool:
        return call["view"]["callback_id"] == "raise_issue_anonymous"

    opened_before = len([c for c in slack.calls_to("views.open") if anonymous_window(c)])  # (a shared server)
    assert click(workspace, person.user, button["action_id"], button["value"], person.dm) == 200
    window = slack.wait_for("views.open", count=opened_before + 1, timeout=20, predicate=anonymous_window)[-1]
    said = json.dumps(window["view"])
    assert "Slack itself knows who sends me messages" in said and "receipt code" in said

    before = len(person.replies())
    status, body = post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(
        anonymous_submission(person.user, person.dm, tell_me=False))}).encode(), "application/x-www-form-urlencoded")
    assert status == 200
    assert json.loads(body)["response_action"] == "update"  # at once ("One moment…"), then what became of it
    [shown] = slack.wait_for("views.update", timeout=20, predicate=lambda c: c["view_id"] == "V0ANONYM01")
    code = next(b["text"]["text"] for b in shown["view"]["blocks"] if "`" in b["text"]["text"]).strip("*`")
    assert len(code) == 19 and code.count("-") == 3
    told = "\n".join(m["text"] for m in person._await_replies(before))
    assert "It's sent, anonymously" in told and "Check a case with a code" in json.dumps(person.replies()[-1])

    [case] = [c for c in rows(workspace.assistant, Case, Case.anonymous.is_(True)) if c.id not in sent_before]
    assert case.reporter_slack_id is None and environment_cipher().decrypt(case.narrative_ciphertext) == story
    conversation = json.dumps(tracker_of(workspace.assistant.base_url, person.user))
    for secret in (case.reference, code, code.replace("-", ""), "Walking Club meetup"):
        assert secret not in conversation
    # The window's button again, once sent: the conversation has moved on, nothing more is sent.
    assert click(workspace, person.user, button["action_id"], button["value"], person.dm) == 200
    slack.wait_for("chat.postEphemeral", timeout=20, predicate=lambda c: c["user"] == person.user
                   and "moved on" in c["text"])
    assert len(rows(workspace.assistant, Case, Case.anonymous.is_(True))) == len(sent_before) + 1


def hold_submission(user: str, channel: str, about: str, *options: str) -> dict:
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "123.795",
            "view": {"id": "V0HOLD0001", "type": "modal", "callback_id": "raise_issue_hold",
                     "private_metadata": json.dumps({"channel": channel}),
                     "state": {"values": {
                         "about": {"about": {"type": "users_select", "selected_user": about}},
                         "hold_options": {"hold_options": {"type": "checkboxes",
                                                           "selected_options": [{"value": o} for o in options]}}}}}}


def test_two_people_each_hold_a_case_about_the_same_person_and_both_go_when_the_second_does(workspace):
    """"I don't want to be the first to say something": held, seen by nobody, until someone else
    holds one about the same person; then both go, and the first reporter is told."""
    from bot.core.models import Case, CaseStatus

    slack, subject = workspace.slack, "U0WHOEVER1"

    def hold_one(person: SlackPerson, opening: str, story: str, *options: str) -> tuple[str, dict]:
        person.say(opening)
        person.say("for me")
        person.say("harassment")
        person.say(story)
        person.press("No one")
        person.say("D&I service team")
        asked = person.say("i dont want to be the first one to say something, can you hold it until someone else "
                           "reports him?")
        assert "Hold it until someone else reports them" in asked
        assert click(workspace, person.user, "raise_issue_hold_open", "hold it until someone else reports them",
                     person.dm) == 200
        slack.wait_for("views.open", timeout=20, predicate=lambda c: c["view"]["callback_id"] == "raise_issue_hold"
                       and c["trigger_id"] == "123.456")
        before = len(person.replies())
        status, body = post_signed(workspace.webhook, urllib.parse.urlencode({"payload": json.dumps(
            hold_submission(person.user, person.dm, subject, *options))}).encode(),
            "application/x-www-form-urlencoded")
        assert status == 200 and json.loads(body)["response_action"] == "update"
        told = "\n".join(m["text"] for m in person._await_replies(before))
        return told, slack.wait_for("views.update", timeout=20, predicate=lambda c: c["view_id"] == "V0HOLD0001")[-1]

    first = SlackPerson(workspace, "U0HOLDER01")
    said, shown = hold_one(first, "I need to raise something in confidence",
                           "Our group's organiser keeps messaging me late at night about things unrelated to the "
                           "group.")
    assert "It's held: nobody will see it" in said and "Held" == shown["view"]["title"]["text"]
    [held] = rows(workspace.assistant, Case, Case.reporter_slack_id == first.user)
    assert held.status == CaseStatus.held and subject not in (held.hold_key or "")
    slack.wait_for("chat.postMessage", timeout=30, predicate=lambda c: c["channel"] == first.user
                   and "is held" in c.get("text", ""))

    second = SlackPerson(workspace, "U0HOLDER02")
    said, shown = hold_one(second, "i want to report someone, confidentially",
                           "He made comments about my appearance at two socials and then messaged me privately.",
                           "hold_anonymously")
    assert "It's sent, anonymously" in said and "someone else had already raised something" in json.dumps(shown)
    assert rows(workspace.assistant, Case, Case.reporter_slack_id == first.user)[0].status == CaseStatus.open
    [sent] = rows(workspace.assistant, Case, Case.anonymous.is_(True), Case.status == CaseStatus.open,
                  Case.category == "discrimination", Case.routed_to == "dandi_service")[-1:]
    assert sent.reporter_slack_id is None
    slack.wait_for("chat.postMessage", timeout=30, predicate=lambda c: c["channel"] == first.user
                   and "Someone else has raised something about the same person" in c.get("text", ""))
