"""action_check_status with real trackers and dispatcher, against the real database."""
from __future__ import annotations

from actions.check_status import ActionCheckStatus
from bot.journeys.request_support import request_support
from tests.action_runner import run, tracker


def ask(sender: str, text: str, entities: list[dict] | None = None) -> str:
    _, [message] = run(ActionCheckStatus(), tracker(text, intent="check_status", sender=sender, entities=entities))
    return message["text"]


def a_support_request(demo_uow) -> str:
    return request_support("U0ASKER001", kind="other", group_slug=None, when="soon", amount_text=None,
                           details="A question about stalls", uow=demo_uow).reference


def test_a_reference_the_extractor_cut_short_is_still_read_from_the_message(configured_database, demo_uow):
    reference = a_support_request(demo_uow)
    cut_short = {"entity": "reference", "value": reference[:7], "start": 10, "end": 17}
    reply = ask("U0ASKER001", f"status of {reference}", [cut_short])
    assert reference in reply and not reply.startswith("Here are your requests")
    assert "couldn't find" in ask("U0STRANGER", f"status of {reference}", [cut_short])


def test_someone_elses_reference_is_not_found_rather_than_listing_their_own(configured_database, demo_uow):
    reference = a_support_request(demo_uow)
    reply = ask("U0STRANGER", f"status of {reference}")
    assert "couldn't find" in reply and "A question about stalls" not in reply
