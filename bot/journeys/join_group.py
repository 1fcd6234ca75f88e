"""Join an open group: the bot records the membership and invites the person to the channel."""
from __future__ import annotations

from sqlalchemy import select

from bot.core import audit, outbox
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, DomainError, NotFound
from bot.core.models import Group, GroupStatus, GroupType, Membership
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
