"""Join an open group: the bot records the membership and invites the person to the channel;
once Slack has taken the invite, the person is a member (or, for a private channel the bot is not
in, its organisers are asked to add the bot)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from bot.core import audit, outbox
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, DomainError, NotFound
from bot.core.models import Group, GroupStatus, GroupType, Membership, MembershipStatus
from bot.core.notices import AddBotNotice
from bot.journeys.find_group import GroupView, group_view


class GroupIsClosed(DomainError):
    """Joining needs an invite from the organisers: the caller starts an invite request."""


def active_group(session, slug: str) -> Group:
    group = session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        raise NotFound("I couldn't find that group.")
    if group.status == GroupStatus.retired:
        raise NotFound(f"{group.name} has been retired, so it isn't taking new members. "
                       "The D&I service team can tell you about groups like it.")
    if group.status != GroupStatus.active:
        raise NotFound(f"{group.name} hasn't been approved yet, so there's nothing to join just now.")
    return group


def join_open_group(user_id: str, group_slug: str, uow: UnitOfWork) -> GroupView:
    """Record the membership and queue the channel invite. For a group of type "both" this
    is its open channel."""
    with uow:
        session = uow.session
        group = active_group(session, group_slug)
        if group.type == GroupType.closed:
            raise GroupIsClosed(f"{group.name} is a closed group, so you'll need an invite from its organisers.")
        existing = session.scalar(select(Membership).where(
            Membership.group_id == group.id, Membership.slack_user_id == user_id, Membership.closed_part.is_(False)))
        if existing is not None:
            raise AlreadyDone(f"You're already in {group.name}"
                              + (f": you'll find it at #{group.slack_channel_name}." if group.slack_channel_name else "."))
        session.add(Membership(group_id=group.id, slack_user_id=user_id, closed_part=False))
        if group.slack_channel_id:
            outbox.invite_to_channel(session, key=f"join:{group.slug}:{user_id}",
                                     channel_id=group.slack_channel_id, user_id=user_id)
        audit.record(session, user_id, "joined_group", "group", group.slug)
        view = group_view(group)
        uow.commit()
        return view


# ---------------------------------------------------------------- the channel invite, once Slack has answered

def _of_channel(channel: str):
    """The group whose open or closed channel this is (a group of type "both" has two)."""
    return or_(Group.slack_channel_id == channel, Group.closed_slack_channel_id == channel)


def invited_to_channel(session, channel: str, user: str) -> None:
    """Slack took the invite: whoever was waiting to join the group of that channel is a member."""
    groups = select(Group.id).where(_of_channel(channel))
    for membership in session.scalars(select(Membership).where(Membership.slack_user_id == user,
                                                               Membership.group_id.in_(groups))):
        membership.status = MembershipStatus.member


def group_waiting_for_the_bot(session, channel: str, slack_error: str) -> Group | None:
    """The group whose channel the bot must be added to before an invite to it can work. Slack
    answers `channel_not_found` for a private channel the bot is not in."""
    if slack_error not in ("bot_not_in_private_channel", "channel_not_found"):
        return None
    group = session.scalar(select(Group).where(_of_channel(channel)))
    private = group is not None and (channel == group.closed_slack_channel_id or group.type == GroupType.closed)
    return group if private else None  # a public channel Slack can't find is gone


def ask_organisers_to_add_the_bot(session, group: Group, channel: str, now: datetime) -> None:
    """At most once a day per channel and organiser, however many people are waiting."""
    name = group.closed_slack_channel_name if group.closed_slack_channel_id == channel else group.slack_channel_name
    for organiser in group.organisers:
        outbox.notify(session, AddBotNotice(channel=channel, channel_name=name),
                      key=f"add_bot:{channel}:{now:%Y-%m-%d}:{organiser.slack_user_id}", recipient=organiser.slack_user_id)
