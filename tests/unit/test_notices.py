"""The typed notices (bot/core/notices.py): each kind is written and read back as the same value,
and each kind the Slack package delivers as a message has its way of being shown."""
from __future__ import annotations

import json

import pytest

from bot.core.notices import KINDS, ChannelInvite, InviteRequestNotice, notice_from
from bot.slack.notices import TEXT, notice_text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_notice_reads_back_as_it_was_written(kind):
    notice = KINDS[kind]()
    assert notice.kind == kind
    stored = json.loads(json.dumps(notice.payload()))  # as the outbox's JSON column keeps it
    assert notice_from(kind, stored) == notice


def test_every_message_kind_is_shown_and_only_known_fields_are_read():
    assert set(KINDS.values()) - set(TEXT) == {ChannelInvite}  # an invite to a channel is no message
    older = {"reference": "INV-7", "group": "Women in Tech", "requester": "U0ALEX0001", "gone_field": "x"}
    assert notice_from("invite_request", older) == InviteRequestNotice(reference="INV-7", group="Women in Tech",
                                                                       requester="U0ALEX0001")
    assert "<@U0ALEX0001> would like to join *Women in Tech*" in notice_text("invite_request", older)
    assert notice_from("no_such_kind", {}) is None and notice_text("no_such_kind", {"text": "as it was"}) == "as it was"
