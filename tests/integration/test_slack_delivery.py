"""The outbox delivered to Slack, and the organisers' and teams' buttons, against a real
database (SQLite and PostgreSQL) and the Slack double through the real slack-sdk client."""
from __future__ import annotations

import html
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.models import (Group, GroupStatus, InviteRequest, Membership, MembershipStatus, OutboxMessage,
                             OutboxStatus, as_utc, utcnow)
from bot import bootstrap
from bot.core import db
from bot.core.settings import load_settings
from bot.journeys import invite_request, request_support, start_group
from bot.journeys.invite_request import nudge_waiting_invites
from bot.journeys.join_group import join_open_group
from bot.journeys.onboarding import welcome
from bot.slack.api import web_client
from bot.slack.blocks import split_text
from bot.slack.decisions import SlackDecisions
from bot.slack.delivery import deliver_due, failed_messages
from bot.slack.home import home_for
from bot.slack.notices import notice_text
from harness.slack_double import SlackDouble

REQUESTER, ORGANISERS, DANDI = "U0REQUEST1", ["U0WIT00001", "U0WIT00002"], "U0DANDI001"


def shown(call: dict) -> str:
    """A message's text as Slack shows it (domain messages are escaped whole on the way)."""
    return html.unescape(call["text"])


INVITE_APPROVE, INVITE_DECLINE = "invite_approve", "invite_decline"  # as on buttons already in Slack
PROPOSAL_APPROVE, SUPPORT_DONE = "proposal_approve", "support_done"


@pytest.fixture
def slack():
    with SlackDouble() as double:
        for channel_id, name in [("C0DANDI001", "dandi-service"), ("C0PEOPLE01", "people-team"),
                                 ("C0CANDH001", "culture-happiness"), ("C0MARKET01", "marketing"),
                                 ("C0CLIMAT01", "climate-action"), ("C0PARENT01", "parents-and-carers")]:
            double.add_channel(channel_id, name)
        double.add_channel("C0WIT00001", "women-in-tech", private=True)
        yield double


@pytest.fixture
def settings(slack, database_url):
    return load_settings({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.base_url,
                          "DATABASE_URL": database_url, "OUTBOX_MAX_ATTEMPTS": "3"})


@pytest.fixture
def deliver(demo_uow, settings):
    client = web_client(settings)
    return lambda now=None: deliver_due(lambda: demo_uow, client, settings, now=now)


@pytest.fixture
def decisions(demo_uow, settings, deliver):
    return SlackDecisions(lambda: demo_uow, web_client(settings), after_decision=deliver)


def outbox(uow, *where) -> list[OutboxMessage]:
    with uow:
        found = uow.session.scalars(select(OutboxMessage).where(*where).order_by(OutboxMessage.id)).all()
        uow.session.expunge_all()
        return found


def click(action_id: str, value: str, user: str, channel: str = "D0ORGANIS1") -> dict:
    return {"type": "block_actions", "user": {"id": user}, "trigger_id": "1337.42", "channel": {"id": channel},
            "actions": [{"action_id": action_id, "value": value, "type": "button"}]}


def submit(action_id: str, reference: str, user: str, reason: str | None) -> dict:
    return {"type": "view_submission", "user": {"id": user},
            "view": {"callback_id": action_id, "private_metadata": json.dumps({"reference": reference,
                                                                              "channel": "D0ORGANIS1"}),
                     "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": reason}}}}}}


def an_invite_request(uow, note: str | None = None) -> str:
    return invite_request.request_invite(REQUESTER, "women-in-tech", criteria_confirmed=True, note=note,
                                         uow=uow).reference


# ---------------------------------------------------------------- delivery

def test_each_organiser_gets_the_request_once_with_approve_and_decline(demo_uow, slack, deliver):
    reference = an_invite_request(demo_uow, note="Hi <!here> & welcome")
    report = deliver()
    assert len(report.sent) == 2 and not report.failed
    posts = slack.calls_to("chat.postMessage")
    assert sorted(p["channel"] for p in posts) == ORGANISERS
    blocks = posts[0]["blocks"]
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == ["Approve", "Decline"]
    assert {e["value"] for e in blocks[-1]["elements"]} == {reference}
    # What the requester typed cannot ping the channel or forge a link.
    assert "&lt;!here&gt; &amp; welcome" in posts[0]["text"] and "<!here>" not in json.dumps(posts)
    assert all(m.slack_ts and m.status == OutboxStatus.sent for m in outbox(demo_uow))
    assert deliver().sent == [] and len(slack.calls_to("chat.postMessage")) == 2


def test_a_rate_limit_is_waited_out_and_a_server_error_retried(demo_uow, slack, deliver):
    an_invite_request(demo_uow)
    slack.fail("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    slack.fail("chat.postMessage", status=500)
    report = deliver()
    assert len(report.sent) == 2
    statuses = [call.response["status"] for call in slack.calls if call.method == "chat.postMessage"]
    assert statuses[:2] == [429, 500] and statuses.count(200) == 2


def test_a_message_slack_keeps_refusing_is_retried_later_then_marked_failed_and_reported(demo_uow, slack, deliver):
    join_open_group(REQUESTER, "parents-and-carers", demo_uow)
    slack.fail("conversations.invite", status=500, times=9)  # more than the client's own retries
    assert deliver().retrying == [f"join:parents-and-carers:{REQUESTER}"]
    [waiting] = outbox(demo_uow, OutboxMessage.kind == "channel_invite")
    assert waiting.status == OutboxStatus.pending and as_utc(waiting.next_attempt_at) > utcnow() + timedelta(seconds=20)
    assert deliver().sent == []  # not due yet
    later = utcnow() + timedelta(hours=3)
    deliver(later)
    report = deliver(later + timedelta(hours=3))
    assert report.failed == [f"join:parents-and-carers:{REQUESTER}"]
    # The failure is reported to the D&I service team's channel, not dropped.
    assert report.sent == ["delivery_failed:1:C0DANDI001"]
    [report_post] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == "C0DANDI001"]
    # Who was being added to which group stays out of the team channel.
    assert "couldn't deliver a notification (channel invite" in report_post["text"]
    assert REQUESTER not in report_post["text"] and "C0PARENT01" not in report_post["text"]
    [line] = failed_messages(demo_uow)
    assert "channel_invite" in line and "internal_error" in line


def test_an_unknown_channel_fails_at_once_and_is_reported(demo_uow, slack, deliver):
    slack.channels.pop("C0CLIMAT01")
    join_open_group(REQUESTER, "climate-action", demo_uow)
    assert deliver().failed == [f"join:climate-action:{REQUESTER}"]
    assert "channel_not_found" in failed_messages(demo_uow)[0]


def test_joining_a_public_channel_the_bot_is_not_in_joins_it_first(demo_uow, slack, deliver):
    slack.channels["C0CLIMAT01"].bot_is_member = False
    join_open_group(REQUESTER, "climate-action", demo_uow)
    assert deliver().sent
    assert [c.method for c in slack.calls] == ["conversations.invite", "conversations.join", "conversations.invite"]
    assert REQUESTER in slack.channels["C0CLIMAT01"].members
    with demo_uow:
        membership = demo_uow.session.scalar(select(Membership).where(Membership.slack_user_id == REQUESTER))
        assert membership.status == MembershipStatus.member


def test_someone_already_in_the_channel_counts_as_added(demo_uow, slack, deliver):
    slack.channels["C0CLIMAT01"].members.add(REQUESTER)
    join_open_group(REQUESTER, "climate-action", demo_uow)
    assert deliver().sent == [f"join:climate-action:{REQUESTER}"]


# ---------------------------------------------------------------- organisers' buttons

def test_an_organiser_approves_every_copy_updates_and_the_requester_is_invited_and_told(
        demo_uow, slack, deliver, decisions):
    reference = an_invite_request(demo_uow)
    deliver()
    decisions.on_click(click(INVITE_APPROVE, reference, ORGANISERS[0]))
    updates = slack.calls_to("chat.update")
    assert len(updates) == 2 and all("Approved by <@U0WIT00001>" in json.dumps(u["blocks"]) for u in updates)
    assert all(b["type"] != "actions" for u in updates for b in u["blocks"])
    assert REQUESTER in slack.channels["C0WIT00001"].members
    [told] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == REQUESTER]
    assert "was approved" in told["text"]
    # The other organiser's late click changes nothing and says who decided.
    decisions.on_click(click(INVITE_APPROVE, reference, ORGANISERS[1]))
    [late] = slack.calls_to("chat.postEphemeral")
    assert late["user"] == ORGANISERS[1] and "already approved by <@U0WIT00001>" in late["text"]


def test_someone_who_is_not_an_organiser_is_told_it_is_not_theirs(demo_uow, slack, deliver, decisions):
    reference = an_invite_request(demo_uow)
    deliver()
    decisions.on_click(click(INVITE_APPROVE, reference, "U0STRANGER"))
    [refused] = slack.calls_to("chat.postEphemeral")
    assert refused["user"] == "U0STRANGER" and "Only the organisers of Women in Tech" in refused["text"]
    assert not slack.calls_to("chat.update") and not slack.calls_to("conversations.invite")
    with demo_uow:
        assert demo_uow.session.scalar(select(InviteRequest)).status.value == "pending"


def test_decline_asks_for_an_optional_reason_and_passes_it_on(demo_uow, slack, deliver, decisions):
    reference = an_invite_request(demo_uow)
    deliver()
    decisions.on_click(click(INVITE_DECLINE, reference, ORGANISERS[1]))
    [opened] = slack.calls_to("views.open")
    assert opened["trigger_id"] == "1337.42" and opened["view"]["blocks"][1]["optional"] is True
    decisions.on_submission(submit(INVITE_DECLINE, reference, ORGANISERS[1], "The group is <full> this term"))
    [told] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == REQUESTER]
    assert "weren't able to accept" in told["text"] and "&lt;full&gt; this term" in told["text"]
    assert not slack.calls_to("conversations.invite")
    assert all("Declined by <@U0WIT00002>" in json.dumps(u["blocks"]) for u in slack.calls_to("chat.update"))


def test_a_private_channel_without_the_bot_asks_the_organisers_to_add_it(demo_uow, slack, deliver, decisions):
    slack.channels["C0WIT00001"].bot_is_member = False
    reference = an_invite_request(demo_uow)
    deliver()
    decisions.on_click(click(INVITE_APPROVE, reference, ORGANISERS[0]))
    deliver()  # the worker's next round sends what the failed invite queued
    asks = [p for p in slack.calls_to("chat.postMessage") if "because I'm not in it" in p["text"]]
    assert sorted(p["channel"] for p in asks) == ORGANISERS and "/invite" in asks[0]["text"]
    # Asked once a day, however often the invite is retried meanwhile (later the same day: after
    # 22:00, two hours on is tomorrow, when asking again is right).
    now = utcnow()
    deliver(min(now + timedelta(hours=2), now.replace(hour=23, minute=59, second=0, microsecond=0)))
    assert len([p for p in slack.calls_to("chat.postMessage") if "because I'm not in it" in p["text"]]) == 2
    # Once an organiser adds the bot, the waiting invite goes through on a later round.
    slack.channels["C0WIT00001"].bot_is_member = True
    deliver(utcnow() + timedelta(hours=4))
    assert REQUESTER in slack.channels["C0WIT00001"].members


def test_an_invite_waiting_a_week_for_the_bot_is_marked_failed_and_reported(demo_uow, slack, deliver, decisions):
    slack.channels["C0WIT00001"].bot_is_member = False
    reference = an_invite_request(demo_uow)
    deliver()
    decisions.on_click(click(INVITE_APPROVE, reference, ORGANISERS[0]))
    report = deliver(utcnow() + timedelta(days=8))
    assert report.failed == [f"invite:{reference}"]
    deliver(utcnow() + timedelta(days=8))
    [to_dandi] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == "C0DANDI001"]
    assert REQUESTER not in to_dandi["text"] and "Women in Tech" not in to_dandi["text"]
    assert reference not in to_dandi["text"]


def test_a_copy_sent_after_the_decision_has_no_buttons(demo_uow, slack, deliver):
    reference = an_invite_request(demo_uow)
    invite_request.approve_invite(reference, ORGANISERS[0], demo_uow)
    deliver()
    copies = [p for p in slack.calls_to("chat.postMessage") if p["channel"] in ORGANISERS]
    assert len(copies) == 2
    assert all("Already approved by <@U0WIT00001>" in json.dumps(p["blocks"]) for p in copies)
    assert not any(b["type"] == "actions" for p in copies for b in p["blocks"])


def test_a_failed_case_notice_is_reported_only_to_the_team_it_was_routed_to(demo_uow, slack, deliver):
    from bot.journeys.raise_issue import save_draft, submit_case

    draft = save_draft("Something happened in a group meeting that upset me", demo_uow)
    receipt = submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None,
                          category="discrimination", route_to="people", uow=demo_uow)
    slack.fail("chat.postMessage", error="user_not_found")  # one handler has left the workspace
    failed = deliver().failed
    assert len(failed) == 1 and failed[0].startswith(f"case_notice:{receipt.reference}:U0PEOPLE0")
    deliver()
    reports = [p for p in slack.calls_to("chat.postMessage") if "couldn't deliver" in p["text"]]
    assert reports and {p["channel"] for p in reports} <= {"U0PEOPLE01", "U0PEOPLE02", "C0PEOPLE01"}
    assert all(receipt.reference not in p["text"] for p in reports)
    assert not [p for p in slack.calls_to("chat.postMessage") if p["channel"] in ("C0DANDI001", DANDI, "U0DANDI002")]


@pytest.mark.parametrize("group_type, expected", [("closed", [("parenting-in-tech", True)]),
                                                  ("open", [("parenting-in-tech", False)]),
                                                  ("both", [("parenting-in-tech", False),
                                                            ("parenting-in-tech-members", True)])])
def test_dandi_approves_a_proposal_channels_are_created_organisers_invited_group_listed(
        demo_uow, slack, deliver, decisions, group_type, expected):
    closed = group_type != "open"
    proposal = start_group.propose_group(
        "U0PROPOSE1", name="Parenting in Tech", group_type=group_type, purpose="Support for parents in tech roles",
        meeting="Monthly lunch in the office", co_organisers=["U0PROPOSE1", "U0SECOND01"],
        criteria="You are a parent or carer" if closed else None,
        how_to_ask="Ask the bot for an invite" if closed else None, edi_policy_confirmed=True, uow=demo_uow)
    deliver()
    [posted] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == "C0DANDI001"]
    decisions.on_click(click(PROPOSAL_APPROVE, proposal.reference, "U0STRANGER", "C0DANDI001"))
    assert "Only the D&I service team" in shown(slack.calls_to("chat.postEphemeral")[0])
    decisions.on_click(click(PROPOSAL_APPROVE, proposal.reference, DANDI, "C0DANDI001"))
    created = [(c["name"], c["is_private"] in (True, "true", "1")) for c in slack.calls_to("conversations.create")]
    assert created == expected
    new_channels = [c for c in slack.channels.values() if c.name.startswith("parenting-in-tech")]
    assert all({"U0PROPOSE1", "U0SECOND01"} <= c.members for c in new_channels)
    with demo_uow:
        group = demo_uow.session.scalar(select(Group).where(Group.name == "Parenting in Tech"))
        assert group.status == GroupStatus.active
        channels = [group.slack_channel_id, group.closed_slack_channel_id]
        assert sorted(filter(None, channels)) == sorted(c.id for c in new_channels)
    [told] = [p for p in slack.calls_to("chat.postMessage") if p["channel"] == "U0PROPOSE1"]
    assert "has been approved" in told["text"]
    [update] = slack.calls_to("chat.update")
    posted_ts = next(c.response["body"]["ts"] for c in slack.calls if c.args is posted)
    assert (update["channel"], update["ts"]) == ("C0DANDI001", posted_ts)
    assert "Approved by <@U0DANDI001>" in json.dumps(update["blocks"])


def test_the_routed_team_marks_a_support_request_done(demo_uow, slack, deliver, decisions):
    view = request_support.request_support("U0ASKER001", kind="social_budget", group_slug="climate-action", when="June",
                                           amount_text="£120", details="Picnic", uow=demo_uow)
    deliver()
    [posted] = slack.calls_to("chat.postMessage")
    assert posted["channel"] == "C0CANDH001"
    assert [e["text"]["text"] for e in posted["blocks"][-1]["elements"]] == ["Mark done", "Decline"]
    decisions.on_click(click(SUPPORT_DONE, view.reference, DANDI, "C0CANDH001"))
    assert "Only the Culture & Happiness team" in shown(slack.calls_to("chat.postEphemeral")[0])
    decisions.on_click(click(SUPPORT_DONE, view.reference, "U0CANDH001", "C0CANDH001"))
    assert "marked as done" in [p for p in slack.calls_to("chat.postMessage") if p["channel"] == "U0ASKER001"][0]["text"]


# ---------------------------------------------------------------- nudges, onboarding, home

def test_the_time_a_service_reads_is_the_clock_its_unit_of_work_was_built_with(engine, demo_uow, settings):
    """The bootstrap hands services their clock: four days on, by that clock alone, a waiting
    request reminds its organisers; a decision is dated by it."""
    reference = an_invite_request(demo_uow)
    later = utcnow() + timedelta(days=4)
    days_on = db.uow_factory(engine, settings, clock=lambda: later)
    assert nudge_waiting_invites(days_on(), settings) == 2
    invite_request.approve_invite(reference, ORGANISERS[0], days_on())
    with days_on() as uow:
        decided = uow.session.scalar(select(InviteRequest).where(InviteRequest.reference == reference))
        assert as_utc(decided.decided_at) == later


def test_a_waiting_invite_request_reminds_organisers_then_goes_to_dandi_once(demo_uow, settings):
    reference = an_invite_request(demo_uow)
    assert nudge_waiting_invites(demo_uow, settings) == 0
    assert nudge_waiting_invites(demo_uow, settings, utcnow() + timedelta(days=4)) == 2
    assert nudge_waiting_invites(demo_uow, settings, utcnow() + timedelta(days=5)) == 0
    assert nudge_waiting_invites(demo_uow, settings, utcnow() + timedelta(days=8)) == 1
    kinds = [(m.kind, m.recipient) for m in outbox(demo_uow, OutboxMessage.kind.in_(["invite_nudge",
                                                                                       "invite_escalation"]))]
    assert kinds == [("invite_nudge", ORGANISERS[0]), ("invite_nudge", ORGANISERS[1]),
                     ("invite_escalation", "C0DANDI001")]
    [escalation_notice] = outbox(demo_uow, OutboxMessage.kind == "invite_escalation")
    escalation = notice_text(escalation_notice.kind, escalation_notice.payload)
    assert reference in escalation and REQUESTER not in escalation  # who asked stays with the organisers


def test_a_decided_request_is_not_nudged(demo_uow, settings):
    reference = an_invite_request(demo_uow)
    invite_request.approve_invite(reference, ORGANISERS[0], demo_uow)
    assert nudge_waiting_invites(demo_uow, settings, utcnow() + timedelta(days=10)) == 0


def test_onboarding_welcomes_each_new_member_once_with_the_directory(demo_uow, slack, deliver):
    assert welcome(["U0NEW00001", "U0NEW00002", "U0NEW00001"], demo_uow) == ["U0NEW00001", "U0NEW00002"]
    assert welcome(["U0NEW00001"], demo_uow) == []
    deliver()
    posts = slack.calls_to("chat.postMessage")
    assert sorted(p["channel"] for p in posts) == ["U0NEW00001", "U0NEW00002"]
    directory = json.dumps(posts[0]["blocks"])
    assert "Women in Tech" in directory and "Request an invite" in directory and "Join" in directory


def test_the_cli_sends_the_welcome(database_url, demo_uow, slack, settings):
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.base_url,
           "PATH": "/usr/bin:/bin", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "onboarding", "send", "U0NEW00003"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Queued a welcome for 1 user(s)" in done.stdout and "Delivered 1" in done.stdout
    assert [p["channel"] for p in slack.calls_to("chat.postMessage")] == ["U0NEW00003"]


def test_home_shows_the_directory_my_requests_and_what_waits_for_an_organiser(demo_uow):
    reference = an_invite_request(demo_uow)
    requester_home = json.dumps(home_for(REQUESTER, lambda: demo_uow))
    assert reference in requester_home and "Climate Action" in requester_home
    assert "Waiting for you as an organiser" not in requester_home
    organiser_home = json.dumps(home_for(ORGANISERS[0], lambda: demo_uow))
    assert "Waiting for you as an organiser" in organiser_home and reference in organiser_home
    from bot.journeys.raise_issue import save_draft, submit_case

    cases = [submit_case(save_draft("Something happened that I want to raise", demo_uow), "U0REPORT01",
                         on_behalf=False, consented=None, may_be_named=None, category="discrimination",
                         route_to=route, uow=demo_uow).reference for route in ("dandi_service", "people", "people")]
    dandi_home = json.dumps(home_for(DANDI, lambda: demo_uow))
    # A handler sees their own team's cases; the People team's are not shown to the D&I team (perhaps implicated).
    assert "Group proposals waiting for a decision: *0*" in dandi_home
    assert "Your cases" in dandi_home and cases[0] in dandi_home
    assert cases[1] not in dandi_home and cases[2] not in dandi_home
    assert "For the D&I service team" not in organiser_home and "Your cases" not in organiser_home


def test_a_group_with_an_open_channel_and_a_closed_space_offers_both_on_the_home_and_welcome(demo_uow, slack,
                                                                                             deliver):
    from harness.records import add_board_games

    add_board_games(demo_uow)
    home = home_for(REQUESTER, lambda: demo_uow)
    buttons = {e["text"]["text"]: e["value"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert buttons == {"Join the open channel": '/join_group{"group": "Board Games Club", "group_part": "open"}',
                       "Request the closed space": '/join_group{"group": "Board Games Club", "group_part": "closed"}'}
    welcome(["U0NEW00009"], demo_uow)
    deliver()
    [post] = slack.calls_to("chat.postMessage")
    assert "Request the closed space" in json.dumps(post["blocks"]) and "Join the open channel" in json.dumps(post["blocks"])


def test_long_text_is_split_into_whole_pieces_within_slacks_limit():
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 150 for n in range(12))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= 3000 for p in pieces)
    assert all(p.startswith("Paragraph") for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


@pytest.mark.parametrize("sent, read", [
    ("add me to <#C0CLIMAT01|climate-action>", "add me to #climate-action"),
    ("add me to <#C0CLIMAT01>", "add me to #climate-action"),  # the id alone: the name looked up
    ("add me to <#C0CLIMAT01|>", "add me to #climate-action"),  # an empty name, as newer clients send
    ("add me to <#C0RANDOM01>", "add me to a channel"),  # not a group's: its id would mean nothing
    ("see <https://example.com/a?b=1|our page> and <https://example.com/x>",
     "see our page and https://example.com/x"),
    ("Tom &amp; Jerry &lt;3", "Tom & Jerry <3"),
])
def test_slack_markup_reaches_the_conversation_as_typed(sent, read):
    from bot.slack.markup import clean_user_text, unnamed_channels

    known = {"C0CLIMAT01": "climate-action"}
    assert clean_user_text(sent, {c: known[c] for c in unnamed_channels(sent) if c in known}) == read


def test_organisers_are_the_people_mentioned_and_typed_names_are_told_apart():
    from bot.slack.markup import mentioned_users, unmentioned_names

    typed = "me, <@U0SAM00001> & <@U0SAM00001|sam>, Jo Bloggs and Priya"
    assert mentioned_users(typed) == ["U0SAM00001"]
    assert unmentioned_names(typed) == ["Jo Bloggs", "Priya"]
    assert unmentioned_names("just me") == unmentioned_names("<@U0SAM00001>") == []
    assert unmentioned_names("just me for now") == unmentioned_names("Only myself at the moment.") == []
    # Said about the organisers, not names: nothing to mention.
    assert unmentioned_names("only me i guess, i don't know anyone else yet") == []
    assert unmentioned_names("<@U0SAM00001> is helping me") == []
    assert unmentioned_names("me and my friend Sam") == ["my friend Sam"]


def test_a_case_reaches_its_team_as_a_reference_and_category_never_the_narrative(demo_uow, slack, deliver):
    from bot.journeys.raise_issue import save_draft, submit_case

    narrative = "My manager said something hurtful in the team meeting on Tuesday"
    draft = save_draft(narrative, demo_uow)
    receipt = submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None,
                          category="discrimination", route_to="dandi_service", uow=demo_uow)
    deliver()
    notices = slack.calls_to("chat.postMessage")
    # A DM to each of the team's handlers, never to its channel, with Open and Acknowledge.
    assert sorted(n["channel"] for n in notices) == [DANDI, "U0DANDI002"]
    assert all(receipt.reference in n["text"] for n in notices)
    buttons = [e["text"]["text"] for b in notices[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Open", "Acknowledge"]
    everything_sent = json.dumps([call.args for call in slack.calls])
    assert "hurtful" not in everything_sent and "Tuesday" not in everything_sent


def test_a_slack_event_taken_in_is_remembered_across_a_restart(configured_database):
    from bot.slack.app import SlackRuntime

    first_run = SlackRuntime(bootstrap.build())
    assert first_run.seen_before("Ev0RESTART1") is False
    assert first_run.seen_before("Ev0RESTART1") is True
    after_restart = SlackRuntime(bootstrap.build())  # a new process: only the database remembers
    assert after_restart.seen_before("Ev0RESTART1") is True
    assert after_restart.seen_before("Ev0RESTART2") is False


def test_event_ids_older_than_a_day_are_forgotten(configured_database, demo_uow):
    from bot.core.models import SlackEventSeen
    from bot.slack.app import SlackRuntime, forget_old_events

    runtime = SlackRuntime(bootstrap.build())
    runtime.seen_before("Ev0TODAY001")
    with demo_uow:
        demo_uow.session.add(SlackEventSeen(event_id="Ev0LASTWEEK", received_at=utcnow() - timedelta(days=7)))
        demo_uow.commit()
    assert forget_old_events(demo_uow) == 1
    assert runtime.seen_before("Ev0TODAY001") is True and runtime.seen_before("Ev0LASTWEEK") is False
