"""The group registry: import (validated, all-or-nothing), export and listing.

A registry file is YAML with three sections: `contacts`, `groups` and `calendar`
(see registry/demo.yml). Import replaces the registry: groups missing from the file are
retired rather than deleted, because requests and cases still point at them; groups still
at the proposal stage are left alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import yaml
from sqlalchemy import func, select

from bot.core.db import UnitOfWork
from bot.core.errors import RegistryFileInvalid
from bot.core.models import CalendarEvent, Contact, Group, GroupStatus, GroupTerm, GroupType, Organiser, TermKind

REQUIRED_TEAMS = ("dandi_service", "people", "culture_happiness", "marketing")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")
LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping, for error messages."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


# ---------------------------------------------------------------- validation


@dataclass
class _Checker:
    problems: list[str]

    def where(self, item: dict, key: str) -> str:
        return f"{key} (line {item.get(LINE, '?')})"

    def text(self, item: dict, field: str, key: str, *, required: bool = True, max_len: int = 2000) -> str | None:
        value = item.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append(f"{self.where(item, key)}: '{field}' is required")
            return None
        if not isinstance(value, str):
            self.problems.append(f"{self.where(item, key)}: '{field}' must be text")
            return None
        if len(value) > max_len:
            self.problems.append(f"{self.where(item, key)}: '{field}' is longer than {max_len} characters")
        return value.strip()

    def pattern(self, item: dict, field: str, key: str, regex: re.Pattern, what: str, *, required=False) -> str | None:
        value = self.text(item, field, key, required=required, max_len=80)
        if value is not None and not regex.match(value):
            self.problems.append(f"{self.where(item, key)}: '{field}' {value!r} is not {what}")
        return value

    def text_list(self, item: dict, field: str, key: str) -> list[str]:
        value = item.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.append(f"{self.where(item, key)}: '{field}' must be a list of text")
            return []
        return [v.strip() for v in value]

    def slack_user_ids(self, item: dict, field: str, key: str) -> list[str]:
        ids = self.text_list(item, field, key)
        for user_id in ids:
            if not SLACK_USER_RE.match(user_id):
                self.problems.append(f"{self.where(item, key)}: {user_id!r} is not a Slack user id")
        return ids

    def unknown_keys(self, item: dict, key: str, allowed: set[str]) -> None:
        for field in item:
            if field != LINE and field not in allowed:
                self.problems.append(f"{self.where(item, key)}: unknown field '{field}'")

    def mappings(self, data: dict, section: str, *, required: bool = True) -> list[dict]:
        items = data.get(section)
        if items is None:
            if required:
                self.problems.append(f"'{section}' section is missing")
            return []
        if not isinstance(items, list):
            self.problems.append(f"'{section}' must be a list")
            return []
        good = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.problems.append(f"{section}[{index}]: each entry must be a mapping of fields")
        return good


# A group's columns that go between the file and the database as they are; the other fields
# (slug, type, status, aliases, topics, organisers) are converted on the way.
GROUP_COLUMNS = ("name", "purpose", "meeting", "slack_channel_id", "slack_channel_name",
                 "closed_slack_channel_id", "closed_slack_channel_name", "criteria", "how_to_ask")
GROUP_FIELDS = {"slug", "type", "status", "aliases", "topics", "organisers", *GROUP_COLUMNS}
CONTACT_FIELDS = ("team", "name", "slack_channel_id", "slack_channel_name", "slack_user_ids", "email")
# A team's people by name (`members`), so a reporter's "must not handle it" can be matched
# to them, and its `lead`, told when a case waits past its deadline.
CONTACT_EXTRA_FIELDS = {"members", "lead"}
EVENT_FIELDS = {"name", "starts", "ends", "description", "url", "groups"}


def _contact_members(check: _Checker, item: dict, key: str) -> dict[str, str]:
    """A contact's `members` as Slack user id -> name."""
    members = item.get("members") or []
    if not isinstance(members, list):
        check.problems.append(f"{check.where(item, key)}: 'members' must be a list of slack_user_id and name")
        return {}
    found: dict[str, str] = {}
    for j, member in enumerate(members):
        mkey = f"{key} members[{j}]"
        if not isinstance(member, dict):
            check.problems.append(f"{mkey}: each member needs slack_user_id and name")
            continue
        check.unknown_keys(member, mkey, {"slack_user_id", "name"})
        user_id = check.pattern(member, "slack_user_id", mkey, SLACK_USER_RE, "a Slack user id", required=True)
        name = check.text(member, "name", mkey, max_len=120)
        if user_id and name:
            found[user_id] = name
    return found


def parse_registry(text: str) -> dict[str, list[dict[str, Any]]]:
    """Parse and validate a registry file. Raises RegistryFileInvalid listing every problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RegistryFileInvalid([f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(data, dict):
        raise RegistryFileInvalid(["the file must be a mapping with 'contacts', 'groups' and 'calendar'"])

    check = _Checker([])
    for section in data:
        if section not in ("contacts", "groups", "calendar", LINE):
            check.problems.append(f"unknown section '{section}'")

    contacts = []
    for i, item in enumerate(check.mappings(data, "contacts")):
        key = f"contacts[{i}]"
        check.unknown_keys(item, key, {*CONTACT_FIELDS, *CONTACT_EXTRA_FIELDS})
        members = _contact_members(check, item, key)
        contacts.append({
            "team": check.pattern(item, "team", key, re.compile(r"^[a-z_]+$"), "a lower_case team key", required=True),
            "name": check.text(item, "name", key, max_len=120),
            "slack_channel_id": check.pattern(item, "slack_channel_id", key, SLACK_CHANNEL_RE, "a Slack channel id"),
            "slack_channel_name": check.text(item, "slack_channel_name", key, required=False, max_len=80),
            "slack_user_ids": list(dict.fromkeys([*check.slack_user_ids(item, "slack_user_ids", key), *members])),
            "member_names": members,
            "lead_slack_user_id": check.pattern(item, "lead", key, SLACK_USER_RE, "a Slack user id"),
            "email": check.text(item, "email", key, required=False, max_len=200),
        })
        if item.get("slack_channel_id") is None and not contacts[-1]["slack_user_ids"]:
            check.problems.append(f"{check.where(item, key)}: give a 'slack_channel_id', 'members' or "
                                  "'slack_user_ids' to route to")
    teams = [c["team"] for c in contacts]
    for team in REQUIRED_TEAMS:
        if team not in teams and data.get("contacts") is not None:
            check.problems.append(f"contacts: the '{team}' team is missing (requests are routed to it)")
    _no_duplicates(check, "contacts", teams, "team")

    groups = []
    for i, item in enumerate(check.mappings(data, "groups")):
        key = f"groups[{i}]" + (f" '{item['name']}'" if isinstance(item.get("name"), str) else "")
        check.unknown_keys(item, key, GROUP_FIELDS)
        group_type = item.get("type")
        if group_type not in {t.value for t in GroupType}:
            check.problems.append(f"{check.where(item, key)}: 'type' must be one of open, closed, both")
        status = item.get("status", "active")
        if status not in ("active", "retired"):
            check.problems.append(f"{check.where(item, key)}: 'status' must be active or retired")
        group = {
            "slug": check.pattern(item, "slug", key, SLUG_RE, "a lower-case-hyphenated slug", required=True),
            "name": check.text(item, "name", key, max_len=120),
            "type": group_type,
            "status": status,
            "purpose": check.text(item, "purpose", key),
            "meeting": check.text(item, "meeting", key),
            "slack_channel_id": check.pattern(item, "slack_channel_id", key, SLACK_CHANNEL_RE, "a Slack channel id"),
            "slack_channel_name": check.text(item, "slack_channel_name", key, required=False, max_len=80),
            "closed_slack_channel_id": check.pattern(item, "closed_slack_channel_id", key, SLACK_CHANNEL_RE, "a Slack channel id"),
            "closed_slack_channel_name": check.text(item, "closed_slack_channel_name", key, required=False, max_len=80),
            "criteria": check.text(item, "criteria", key, required=group_type in ("closed", "both")),
            "how_to_ask": check.text(item, "how_to_ask", key, required=group_type in ("closed", "both")),
            "aliases": check.text_list(item, "aliases", key),
            "topics": check.text_list(item, "topics", key),
            "organisers": [],
        }
        organisers = item.get("organisers")
        if not isinstance(organisers, list) or not organisers:
            check.problems.append(f"{check.where(item, key)}: 'organisers' must list at least one organiser")
        else:
            for j, org in enumerate(organisers):
                okey = f"{key} organisers[{j}]"
                if not isinstance(org, dict):
                    check.problems.append(f"{okey}: each organiser needs slack_user_id and name")
                    continue
                check.unknown_keys(org, okey, {"slack_user_id", "name"})
                group["organisers"].append({
                    "slack_user_id": check.pattern(org, "slack_user_id", okey, SLACK_USER_RE, "a Slack user id", required=True),
                    "name": check.text(org, "name", okey, max_len=120),
                })
        groups.append(group)
    _no_duplicates(check, "groups", [g["slug"] for g in groups], "slug")
    _no_duplicates(check, "groups", [(g["name"] or "").casefold() for g in groups], "name")

    slugs = {g["slug"] for g in groups}
    events = []
    for i, item in enumerate(check.mappings(data, "calendar", required=False)):
        key = f"calendar[{i}]"
        check.unknown_keys(item, key, EVENT_FIELDS)
        starts, ends = item.get("starts"), item.get("ends", item.get("starts"))
        if not isinstance(starts, date) or not isinstance(ends, date):
            check.problems.append(f"{check.where(item, key)}: 'starts' and 'ends' must be dates (YYYY-MM-DD)")
        elif ends < starts:
            check.problems.append(f"{check.where(item, key)}: 'ends' is before 'starts'")
        event_groups = check.text_list(item, "groups", key)
        for slug in event_groups:
            if slug not in slugs:
                check.problems.append(f"{check.where(item, key)}: group '{slug}' is not in this file")
        events.append({
            "name": check.text(item, "name", key, max_len=200),
            "starts": starts, "ends": ends,
            "description": check.text(item, "description", key, required=False),
            "url": check.text(item, "url", key, required=False, max_len=500),
            "groups": event_groups,
        })

    if check.problems:
        raise RegistryFileInvalid(check.problems)
    return {"contacts": contacts, "groups": groups, "calendar": events}


def _no_duplicates(check: _Checker, section: str, values: list, field: str) -> None:
    seen = set()
    for value in values:
        if value and value in seen:
            check.problems.append(f"{section}: {field} '{value}' appears more than once")
        seen.add(value)


# ---------------------------------------------------------------- services


@dataclass(frozen=True)
class ImportSummary:
    groups_added: int
    groups_updated: int
    groups_retired: int
    contacts: int
    events: int


def import_registry(text: str, uow: UnitOfWork, *, only_if_empty: bool = False) -> ImportSummary | None:
    """Replace the registry with the file's contents, in one transaction.

    Validation happens before anything is written, so a bad file changes nothing.
    With `only_if_empty`, does nothing (returns None) when any group exists already.
    """
    parsed = parse_registry(text)
    with uow:
        session = uow.session
        if only_if_empty and session.scalar(select(func.count(Group.id))):
            return None
        existing = {g.slug: g for g in session.scalars(select(Group))}
        added = updated = retired = 0
        for item in parsed["groups"]:
            group = existing.get(item["slug"])
            if group is None:
                group = Group(slug=item["slug"])
                session.add(group)
                added += 1
            else:
                updated += 1
            for field in GROUP_COLUMNS:
                setattr(group, field, item[field])
            group.type = GroupType(item["type"])
            group.status = GroupStatus(item["status"])
            # Keep rows that are unchanged so unique constraints never see a delete-then-insert.
            old_terms = {(t.kind, t.text): t for t in group.terms}
            group.terms = [
                old_terms.get((kind, text)) or GroupTerm(kind=kind, text=text)
                for kind, texts in ((TermKind.alias, item["aliases"]), (TermKind.topic, item["topics"]))
                for text in _unique(texts)
            ]
            old_organisers = {o.slack_user_id: o for o in group.organisers}
            group.organisers = []
            for org in _unique_by(item["organisers"], lambda o: o["slack_user_id"]):
                organiser = old_organisers.get(org["slack_user_id"]) or Organiser(slack_user_id=org["slack_user_id"])
                organiser.name = org["name"]
                group.organisers.append(organiser)
        in_file = {g["slug"] for g in parsed["groups"]}
        for slug, group in existing.items():
            if slug not in in_file and group.status == GroupStatus.active:
                group.status = GroupStatus.retired
                retired += 1
        # Names must stay unique; flush group changes before contacts and calendar.
        session.flush()

        existing_contacts = {c.team: c for c in session.scalars(select(Contact))}
        for item in parsed["contacts"]:
            contact = existing_contacts.pop(item["team"], None) or Contact(team=item["team"])
            for field, value in item.items():
                setattr(contact, field, value)
            session.add(contact)
        for stale in existing_contacts.values():
            session.delete(stale)

        for event in session.scalars(select(CalendarEvent)):
            session.delete(event)
        for item in parsed["calendar"]:
            session.add(CalendarEvent(name=item["name"], starts_on=item["starts"], ends_on=item["ends"],
                                      description=item["description"], url=item["url"], group_slugs=item["groups"]))
        uow.commit()
    return ImportSummary(added, updated, retired, len(parsed["contacts"]), len(parsed["calendar"]))


def import_registry_file(path: Path, uow: UnitOfWork, *, only_if_empty: bool = False) -> ImportSummary | None:
    return import_registry(Path(path).read_text(encoding="utf-8"), uow, only_if_empty=only_if_empty)


def export_registry(uow: UnitOfWork) -> str:
    """The registry as YAML that `import_registry` takes back unchanged."""
    with uow:
        session = uow.session
        contacts = [
            _without_empty({**{field: getattr(c, field) for field in CONTACT_FIELDS},
                            "slack_user_ids": [u for u in c.slack_user_ids or [] if u not in (c.member_names or {})],
                            "members": [{"slack_user_id": u, "name": n} for u, n in (c.member_names or {}).items()],
                            "lead": c.lead_slack_user_id})
            for c in session.scalars(select(Contact).order_by(Contact.id))
        ]
        groups = [
            _without_empty({
                "slug": g.slug, "name": g.name, "type": g.type.value,
                "status": g.status.value if g.status != GroupStatus.active else None,
                **{field: getattr(g, field) for field in GROUP_COLUMNS if field != "name"},
                "aliases": g.aliases, "topics": g.topics,
                "organisers": [{"slack_user_id": o.slack_user_id, "name": o.name} for o in g.organisers],
            })
            for g in session.scalars(
                select(Group).where(Group.status != GroupStatus.proposed).order_by(Group.id)
            )
        ]
        calendar = [
            _without_empty({"name": e.name, "starts": e.starts_on, "ends": e.ends_on, "description": e.description,
                            "url": e.url, "groups": list(e.group_slugs or [])})
            for e in session.scalars(select(CalendarEvent).order_by(CalendarEvent.starts_on, CalendarEvent.id))
        ]
    return yaml.safe_dump({"contacts": contacts, "groups": groups, "calendar": calendar},
                          sort_keys=False, allow_unicode=True, width=100)


@dataclass(frozen=True)
class GroupSummary:
    slug: str
    name: str
    type: str
    status: str
    organisers: int


def list_groups(uow: UnitOfWork, *, include_retired: bool = False) -> list[GroupSummary]:
    with uow:
        query = select(Group).order_by(Group.name)
        if not include_retired:
            query = query.where(Group.status == GroupStatus.active)
        return [GroupSummary(g.slug, g.name, g.type.value, g.status.value, len(g.organisers))
                for g in uow.session.scalars(query)]


def _unique(values: list[str]) -> list[str]:
    return _unique_by(values, str.casefold)


def _unique_by(values: list, key: Callable) -> list:
    seen, out = set(), []
    for value in values:
        if key(value) not in seen:
            seen.add(key(value))
            out.append(value)
    return out


def _without_empty(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if v not in (None, [], "")}
