"""The one guard every decision passes: the request exists, this person may decide it, and
it is still pending. `bot.journeys.decidable` lists the kinds of request it guards."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import AlreadyDone, NotFound, PermissionDenied
from bot.core.models import RequestStatus


def pending_request(session: Session, model: type, reference: str, actor_id: str, *, noun: str,
                    may_decide: Callable[[Session, Any, str], bool], refusal: Callable[[Any], str]) -> Any:
    request = session.scalar(select(model).where(model.reference == (reference or "").upper()))
    if request is None:
        raise NotFound(f"I couldn't find {noun} {reference}.")
    if not may_decide(session, request, actor_id):
        raise PermissionDenied(refusal(request))
    if request.status != RequestStatus.pending:
        raise AlreadyDone(f"This {noun.removeprefix('an ').removeprefix('a ')} was already {request.status.value}.",
                          request.reference, decided_by=request.decided_by)
    return request
