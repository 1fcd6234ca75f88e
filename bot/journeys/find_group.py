"""Find a group: by name, alias, topic or type, against the live registry."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.core.db import UnitOfWork
from bot.core.errors import NotFound
from bot.core.models import Group, GroupStatus, GroupType
from bot.journeys.matcher import GroupMatcher


@dataclass(frozen=True)
class GroupView:
    slug: str
    name: str
    type: str
    purpose: str
    meeting: str
    channel_name: str | None
    closed_channel_name: str | None
    criteria: str | None
    how_to_ask: str | None
    organisers: tuple[tuple[str, str], ...]  # (name, Slack user id)

    @property
    def is_closed(self) -> bool:
        return self.type in ("closed", "both")


@dataclass(frozen=True)
class SearchResult:
    matches: list[GroupView]  # what the person asked for
    suggestions: list[GroupView]  # near misses: "did you mean …?"


def directory_entry(group: GroupView) -> dict:
    """A group as the directory lists it, in plain values (a welcome notice carries these)."""
    return {"slug": group.slug, "name": group.name, "type": group.type, "purpose": group.purpose}


def group_view(group: Group) -> GroupView:
    return GroupView(
        slug=group.slug, name=group.name, type=group.type.value, purpose=group.purpose,
        meeting=group.meeting, channel_name=group.slack_channel_name,
        closed_channel_name=group.closed_slack_channel_name, criteria=group.criteria,
        how_to_ask=group.how_to_ask,
        organisers=tuple((o.name, o.slack_user_id) for o in group.organisers),
    )


def _active_groups(uow: UnitOfWork) -> list[Group]:
    query = (
        select(Group)
        .where(Group.status == GroupStatus.active)
        .options(selectinload(Group.terms), selectinload(Group.organisers))
        .order_by(Group.name)
    )
    return list(uow.session.scalars(query))


_matchers: dict[tuple, GroupMatcher] = {}


def _names(group: Group) -> tuple[str, ...]:
    """Its aliases and its Slack channels' names: "#wit" finds Women in Tech even when the
    channel is called something other than the group."""
    channels = (group.slack_channel_name, group.closed_slack_channel_name)
    return (*group.aliases, *(c for c in channels if c))


def channel_names(channel_ids: Iterable[str], uow: UnitOfWork) -> dict[str, str]:
    """The names of the groups' Slack channels among `channel_ids`: Slack may send a typed
    "#climate-action" as the channel's id alone."""
    wanted = set(channel_ids)
    with uow:
        return {channel_id: name for g in _active_groups(uow)
                for channel_id, name in ((g.slack_channel_id, g.slack_channel_name),
                                         (g.closed_slack_channel_id, g.closed_slack_channel_name))
                if channel_id in wanted and name}


def _matcher_for(groups: list[Group], pipeline_path: Path) -> GroupMatcher:
    # Rebuilt whenever a name, alias, channel or topic changes; reused otherwise.
    signature = tuple((g.slug, g.name, _names(g), tuple(g.topics)) for g in groups)
    if signature not in _matchers:
        _matchers.clear()
        _matchers[signature] = GroupMatcher(signature, pipeline_path)
    return _matchers[signature]


def search_groups(text: str, uow: UnitOfWork, *, limit: int = 3) -> SearchResult:
    """Groups named by `text` (exact name, alias or topic), else its closest near misses."""
    with uow:
        groups = _active_groups(uow)
        by_slug = {g.slug: g for g in groups}
        found = _matcher_for(groups, uow.settings.spacy_model_path).match(text or "")
        exact = [by_slug[m.key] for m in found if m.exact]
        near = [by_slug[m.key] for m in found if not m.exact]
        if exact:
            # A name or alias beats a shared topic: "women in tech" is one group.
            best = max(m.score for m in found if m.exact)
            exact = [by_slug[m.key] for m in found if m.exact and m.score == best]
        return SearchResult([group_view(g) for g in exact[:limit]], [] if exact else [group_view(g) for g in near[:limit]])


def list_groups_of_type(group_type: str | None, uow: UnitOfWork) -> list[GroupView]:
    """Active groups, optionally only those open or closed to join. A "both" group is in either list."""
    if group_type not in (None, "open", "closed"):
        raise NotFound(f"I don't know the group type '{group_type}'. Groups are open or closed.")
    with uow:
        groups = _active_groups(uow)
        if group_type is not None:
            groups = [g for g in groups if g.type in (GroupType(group_type), GroupType.both)]
        return [group_view(g) for g in groups]


def get_group(slug: str, uow: UnitOfWork) -> GroupView:
    with uow:
        group = uow.session.scalar(select(Group).where(Group.slug == slug, Group.status == GroupStatus.active))
        if group is None:
            raise NotFound("I couldn't find that group. It may have been retired.")
        return group_view(group)
