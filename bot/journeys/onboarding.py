"""Welcoming new members with the directory: the policy shares the list of groups during
onboarding. Each person is welcomed once."""
from __future__ import annotations

from bot.core import outbox
from bot.core.db import UnitOfWork
from bot.core.notices import WelcomeNotice
from bot.journeys.find_group import directory_entry, list_groups_of_type


def welcome(user_ids: list[str], uow: UnitOfWork) -> list[str]:
    """Queue the welcome for each user; returns the users newly queued."""
    groups = [directory_entry(g) for g in list_groups_of_type(None, uow)]
    queued = []
    with uow:
        for user_id in dict.fromkeys(u.strip() for u in user_ids if u and u.strip()):
            message = outbox.notify(uow.session, WelcomeNotice(groups=groups), key=f"welcome:{user_id}",
                                    recipient=user_id)
            if message.id is None:
                queued.append(user_id)
        uow.commit()
    return queued
