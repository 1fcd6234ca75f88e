"""Raise an issue confidentially, for yourself or as a group's nominated person on someone
else's behalf.

What happened, and who must not handle it, never enter the conversation. The action that
asks for them records that the conversation waits for confidential text (`expect`); the
input channel hands the next message here (`take`) instead of to Rasa, or in Slack the
person types it into a modal (`take_from_form`). It is stored encrypted on a draft case
owned by the conversation, and the conversation is given only the draft's id and how many
people were named (`Taken.slots`).

Submitting turns the draft into a case with a reference and sends a notice (reference,
category, whether on someone's behalf; never the narrative) as a DM to each eligible handler
of the chosen team: its members less anyone named. If that leaves nobody, the case goes to
the other team, and the reporter is told. Stopping discards the draft.
"""
from __future__ import annotations

import difflib
import logging
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot.core import audit, outbox, receipts, routing
from bot.core.crypto import Cipher
from bot.core.db import UnitOfWork
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import UNSENT, Case, CaseStatus, ConfidentialPrompt, OutboxMessage, as_utc, day_of
from bot.core.notices import AnonymousNewsNotice, CaseHeldNotice, CaseNotice, CaseReleasedNotice
from bot.core.references import new_reference
from bot.nlu import reader

log = logging.getLogger(__name__)

CATEGORIES = {
    "discrimination": "Discrimination or harassment",
    "behaviour": "Someone's behaviour in a group",
    "wellbeing": "Wellbeing or safety",
    "accessibility": "Accessibility or adjustments",
    "group_running": "How a group is run",
    "other": "Something else",
}
ROUTES = routing.CASE_TEAMS
NARRATIVE_MAX_CHARS = 10_000
# An anonymous case's notices leave this many minutes (at random, within) after it is sent, so
# their times don't point at the moment its reporter pressed send.
ANONYMOUS_NOTICE_DELAY_MINUTES = (10, 90)
# Keys who a held case is about apart from any other use of the deployment's secret.
HOLD_KEY_PREFIX = "hold:"
NARRATIVE = "narrative"
EXCLUSIONS = "exclusions"
# What happened was told up front (`begin`): asked whether to use it, before anything is taken as it.
OFFERED = "offered"
# The steps at which what happened may be told (in Slack, in the private form).
TELLING_STEPS = (NARRATIVE, OFFERED)
# The intent that starts raising an issue (the NLU contract's).
INTENT = "raise_issue"
# What the conversation is given in place of the text: the intent and the slots it fills.
TAKEN_INTENT = "case_details_given"
# The summary's answers when the case went from one of Slack's private windows (bot.slack.raise_issue):
# sent anonymously; held (with their name, or anonymously); or released at once, someone else
# having held one about the same person.
SENT_ANONYMOUSLY, HELD, HELD_ANONYMOUSLY, RELEASED = "anonymous", "held", "held_anonymously", "released"
SENT_FROM_A_WINDOW = (SENT_ANONYMOUSLY, HELD, HELD_ANONYMOUSLY, RELEASED)
# Slack user ids typed or mentioned ("<@U123ABC>", "@U123ABC").
USER_ID_RE = re.compile(r"\b([UW][A-Z0-9]{6,})\b")

# A message up to this long at the narrative step that reads as "no" or ends with a question
# may not be what happened: held (encrypted) while the person is asked which they meant.
SHORT_WORDS = 8
ASKING_WORDS = 20  # a question this short, at "what happened?", is asked whether it is the story
# A message that starts raising an issue in one sentence this long tells some of what happened
# (more words when some of them say for whom: "on behalf of someone in my group"); shorter, it is
# read as the request, however hesitant ("i think i need to report something but i'm really not
# sure i want to yet"), and what happened is asked for. So does a sentence of a longer message that
# reads as the request but runs STORY_SENTENCE_WORDS ("at the meetup the host joked that…" reads as
# raising an issue too).
STORY_WORDS = 20
STORY_WORDS_WITH_FOR_WHOM = 26
STORY_SENTENCE_WORDS = 12
# Shorter than this, a sentence says that something happened, not what ("Something happened at the social.").
STORY_MIN_WORDS = 6
# What a sentence of that message is read as when it is small talk, not a story.
NOT_A_STORY = ("greet", "thank", "goodbye", "affirm", "help")


def reachable_in_slack(reporter: str | None) -> bool:
    """Whether someone who raised a case can be written to in Slack (not a REST or terminal
    conversation): their id is a Slack user id."""
    return bool(USER_ID_RE.fullmatch(reporter or ""))


@dataclass(frozen=True)
class Taken:
    """What the case service did with a confidential message, for the channel to say.

    What the conversation may be told (never the text): that what happened was kept (as the
    draft `draft_id`), and from how many people the case is kept (`excluded`: 0 for nobody; None
    when this message didn't say). Neither when the person is asked again (`problem`) or asked
    what they meant (`unsure`)."""

    step: str
    narrative_kept: bool = False
    excluded: int | None = None
    problem: str | None = None
    # At the narrative step: a short message that may have meant "stop" or a question.
    unsure: bool = False
    # Nothing but a stop: the conversation gets a stop in place of the words.
    stop: bool = False
    draft_id: str | None = None
    # At the exclusions step: the handlers named, as (name, team name), and typed names
    # that are nobody who handles cases.
    kept_from: tuple[tuple[str, str], ...] = ()
    not_handlers: tuple[str, ...] = ()
    # At the offer: what was told up front is what happened (`story_used`), or they'll tell it
    # again (`tell_again`: the channel asks for it).
    story_used: bool = False
    tell_again: bool = False
    # The case went from one of Slack's private windows (one of SENT_FROM_A_WINDOW): the summary is answered.
    sent_from_window: str | None = None

    @property
    def settled(self) -> bool:
        """The step is answered: the conversation is told so (in a placeholder) and goes on."""
        return self.narrative_kept or self.excluded is not None or self.sent_from_window is not None


def how_it_went(receipt: "CaseReceipt") -> str:
    """What the conversation is told of a case sent from a private window: one of SENT_FROM_A_WINDOW."""
    if receipt.held:
        return HELD_ANONYMOUSLY if receipt.code else HELD
    return SENT_ANONYMOUSLY if receipt.code else RELEASED


@dataclass(frozen=True)
class CaseReceipt:
    reference: str
    team: str
    team_name: str
    # The reporter asked for the other team, whose handlers all were people they named.
    rerouted: bool
    acknowledge_days: int
    # Sent anonymously: the receipt code, to show once (never stored, never said through Rasa).
    code: str | None = None
    # Held until someone else reports the same person; or released at once, as someone had.
    held: bool = False
    released: bool = False


# ---------------------------------------------------------------- waiting for confidential text

def expect(conversation_id: str, step: str, draft_id: str | None, uow: UnitOfWork) -> None:
    """The conversation's next message is confidential text for `step`: record it, so the
    input channel hands that message here and never to Rasa."""
    assert step in (NARRATIVE, EXCLUSIONS, OFFERED)
    lifetime = timedelta(hours=uow.settings.retain_drafts_hours or 24)
    with uow:
        prompt = uow.session.get(ConfidentialPrompt, conversation_id) or ConfidentialPrompt(
            conversation_id=conversation_id)
        prompt.step, prompt.draft_reference, prompt.expires_at = step, draft_id, uow.clock() + lifetime
        uow.session.add(prompt)
        uow.commit()


def waiting_for(conversation_id: str, uow: UnitOfWork) -> str | None:
    """The step the conversation waits for confidential text at, if any."""
    with uow:
        prompt = uow.session.get(ConfidentialPrompt, conversation_id)
        return prompt.step if prompt is not None and _live(prompt, uow.clock()) else None


def stop_waiting(conversation_id: str, uow: UnitOfWork) -> None:
    with uow:
        uow.session.execute(delete(ConfidentialPrompt).where(ConfidentialPrompt.conversation_id == conversation_id))
        uow.commit()


def _live(prompt: ConfidentialPrompt, now: datetime) -> bool:
    return as_utc(prompt.expires_at) > now


def take(conversation_id: str, text: str, uow: UnitOfWork, *, mentioned: list[str] | None = None) -> Taken | None:
    """Take a message the conversation was waiting for as confidential text. None when it
    wasn't waiting, or the message is a button's payload (a choice, not text)."""
    text = (text or "").strip()
    if text.startswith("/"):
        return None
    with uow:
        prompt = uow.session.get(ConfidentialPrompt, conversation_id)
        if prompt is None or not _live(prompt, uow.clock()):
            return None
        step, draft_id = prompt.step, prompt.draft_reference
    if reader.is_only_a_stop(text):
        # "let's park it", "hold off": a stop, as at every other step. The conversation is told
        # only that (`stop`), never the words.
        return Taken(step, stop=True, draft_id=draft_id)
    if step == OFFERED:
        return _take_offer_answer(conversation_id, text, draft_id, uow)
    if step == NARRATIVE:
        return _take_narrative(conversation_id, text, draft_id, uow)
    return _take_exclusions(conversation_id, text, draft_id, mentioned or [], uow)


# ---------------------------------------------------------------- what happened, told up front

def told_up_front(text: str, sentences: list[dict]) -> bool:
    """Whether the message that starts raising an issue also tells some of what happened (to be
    offered as what happened, never used unasked): one long sentence, or a sentence that is
    neither small talk, for whom it is, nor a short request (`sentences`: the NLU's reading of
    each of reader.sentences_to_read, in order)."""
    pieces = reader.sentences_to_read(text)
    if not pieces:
        words = len(re.findall(r"\w+", text))
        return words >= (STORY_WORDS_WITH_FOR_WHOM if reader.raised_for(text) else STORY_WORDS)
    for piece, sentence in zip(pieces, sentences):
        words = len(re.findall(r"\w+", piece))
        if sentence.get("intent") in NOT_A_STORY or reader.raised_for(piece) or words < STORY_MIN_WORDS:
            continue
        if sentence.get("intent") != INTENT or words >= STORY_SENTENCE_WORDS:
            return True
    return False


def begin(conversation_id: str, story: str | None, uow: UnitOfWork) -> bool:
    """Raising an issue starts: anything left from an earlier attempt is deleted, and a story
    told up front is held, encrypted, on a new draft until the person says whether to use it
    (`held_story`). Returns whether one is held (never the text)."""
    discard_draft(None, uow, owner=conversation_id)
    story = (story or "").strip()
    if not story or len(story) > NARRATIVE_MAX_CHARS:
        return False
    _store_narrative(conversation_id, story, None, uow, keep_waiting=False)
    return True


def held_story(conversation_id: str, uow: UnitOfWork) -> str | None:
    """The draft holding what this conversation told before being asked (up front, or a short
    message it was unsure about), to offer as what happened; None when there is none."""
    with uow:
        case = _owned_draft(uow, conversation_id)
        return case.reference if case is not None and case.narrative_ciphertext is not None else None


def _take_offer_answer(conversation_id: str, text: str, draft_id: str | None, uow: UnitOfWork) -> Taken | None:
    """"Shall I use what you wrote as what happened?": yes, no (told again next), or the story
    told again right here."""
    words = len(text.split())
    stop = reader.wants_to_stop(text) if words <= ASKING_WORDS else None
    if stop == "yes":  # "actually can we leave this for today? …": what was written is held, so this is no story
        return Taken(OFFERED, stop=True, draft_id=draft_id)
    if stop is not None:
        # "I don't want to do this any more": asked whether to stop (what was written is still held).
        return Taken(OFFERED, unsure=True, draft_id=draft_id)
    # Led by a yes or a no ("no that was too vague, ill tell you properly"), it answers the offer;
    # the rest isn't kept (a story told again comes next, asked for).
    answer = reader.yes_or_no(text) if words <= ASKING_WORDS else None
    if answer is reader.YES:
        taken = confirm_narrative(conversation_id, draft_id or "", uow)
        return Taken(NARRATIVE, narrative_kept=True, draft_id=taken.draft_id, story_used=True)
    if answer is reader.NO:
        with uow:
            case = _draft(uow, draft_id, conversation_id)
            if case is not None:
                case.narrative_ciphertext = None
            prompt = uow.session.get(ConfidentialPrompt, conversation_id)
            if prompt is not None:
                prompt.step = NARRATIVE
            uow.commit()
        return Taken(NARRATIVE, draft_id=draft_id, tell_again=True)
    if words <= ASKING_WORDS and reader.has_question(text):
        return None  # a question: answered in the conversation (said in confidence), then asked again
    if words <= SHORT_WORDS:
        return Taken(OFFERED, problem="Sorry, I didn't follow. Shall I use what you wrote before as what happened? "
                                      "You can say yes or no, or tell me again in your own words.")
    return _take_narrative(conversation_id, text, draft_id, uow)


def _take_narrative(conversation_id: str, text: str, draft_id: str | None, uow: UnitOfWork) -> Taken:
    # A stop with more said ("ugh. let's park it, I'll talk to Sam") or second thoughts may still
    # be part of the story: kept encrypted, and the person asked which they meant.
    # So may a short message that asks something ("can't i just paste it here? i've got her
    # write-up in a doc"): answered, and asked whether it is what happened.
    words = len(text.split())
    unsure = reader.wants_to_stop(text) is not None or (
        words <= SHORT_WORDS and (reader.yes_or_no(text) is reader.NO or text.endswith("?"))) or (
        words <= ASKING_WORDS and reader.has_question(text))
    if not unsure:
        try:
            _check_narrative(text)
        except InvalidInput as problem:
            return Taken(NARRATIVE, problem=str(problem))
    draft_id = _store_narrative(conversation_id, text, draft_id, uow, keep_waiting=unsure)
    if unsure:
        return Taken(NARRATIVE, unsure=True, draft_id=draft_id)
    return Taken(NARRATIVE, narrative_kept=True, draft_id=draft_id)


def confirm_narrative(conversation_id: str, draft_id: str, uow: UnitOfWork) -> Taken:
    """The person said the short message they were unsure about is what happened."""
    with uow:
        case = _draft(uow, draft_id, conversation_id)
        if case is None or case.narrative_ciphertext is None:
            raise NotFound("I've lost what you wrote, sorry. Could you tell me again?")
        uow.session.execute(delete(ConfidentialPrompt).where(ConfidentialPrompt.conversation_id == conversation_id))
        uow.commit()
    return Taken(NARRATIVE, narrative_kept=True, draft_id=draft_id)


def _take_exclusions(conversation_id: str, text: str, draft_id: str | None, mentioned: list[str],
                     uow: UnitOfWork) -> Taken | None:
    if len(text) > 500:
        return Taken(EXCLUSIONS, problem="Just their names is enough, please.")
    nobody = reader.means_nobody(text) and not mentioned
    with uow:
        roster = routing.case_roster(uow.session)
    ids, names_left = ([], []) if nobody else match_handlers(text, mentioned, roster)
    if not nobody and not ids and not mentioned and reader.means_nobody(re.split(r"[,.;!?]", text)[0]):
        # "nobody, its fine. d&i team pls": nobody, and the rest names no one who handles cases.
        nobody, names_left = True, []
    if not ids and not nobody and (reader.asks_what_you_mean(text) or reader.wants_to_stop(text) is not None):
        # "sorry, what are you asking me?", "hmm, let's leave it": nobody who handles cases in
        # it, so no names to keep; the conversation asks again, or stops (or asks whether to),
        # and this step keeps waiting. (Any other message may name someone, and who must not
        # handle a case is as confidential as what happened, so it stays here.)
        return None
    with uow:
        case = _draft(uow, draft_id, conversation_id)
        if case is None:
            raise NotFound("I've lost track of what you told me, sorry: it may have expired. "
                           "Could we start again? Nothing has been sent.")
        case.excluded_ciphertext = uow.cipher.encrypt(json.dumps(ids)) if ids else None
        uow.session.execute(delete(ConfidentialPrompt).where(ConfidentialPrompt.conversation_id == conversation_id))
        uow.commit()
    kept_from = tuple((roster[i][0] or "someone", routing.TEAM_NAMES[roster[i][1]]) for i in ids if i in roster)
    return Taken(EXCLUSIONS, excluded=len(ids), draft_id=draft_id, kept_from=kept_from,
                 not_handlers=tuple(names_left))


def take_from_form(conversation_id: str, narrative: str, excluded_ids: list[str], uow: UnitOfWork) -> Taken:
    """What happened and who must not handle it, from Slack's modal. Raises InvalidInput for
    the form to show beside the field."""
    narrative = (narrative or "").strip()
    _check_narrative(narrative)
    ids = list(dict.fromkeys(i for i in excluded_ids if USER_ID_RE.fullmatch(i or "")))
    with uow:
        prompt = uow.session.get(ConfidentialPrompt, conversation_id)
        if prompt is None or not _live(prompt, uow.clock()) or prompt.step not in TELLING_STEPS:
            raise NotFound("This form belongs to a conversation that has moved on, so I haven't kept what you "
                           "wrote. If you'd still like to raise an issue, tell me in a message and I'll start again.")
        draft_id = prompt.draft_reference
    draft_id = _store_narrative(conversation_id, narrative, draft_id, uow, keep_waiting=False)
    with uow:
        case = _draft(uow, draft_id, conversation_id)
        case.excluded_ciphertext = uow.cipher.encrypt(json.dumps(ids)) if ids else None
        uow.commit()
        roster = routing.case_roster(uow.session)
    kept_from = tuple((roster[i][0] or "someone", routing.TEAM_NAMES[roster[i][1]]) for i in ids if i in roster)
    return Taken(NARRATIVE, narrative_kept=True, excluded=len(ids), draft_id=draft_id, kept_from=kept_from)


def match_handlers(text: str, mentioned: list[str], roster: dict[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The handlers a reporter named, by Slack id or by name (full name, first or last name,
    or a close spelling), and the typed names that match nobody who handles cases. A name
    that could be several people keeps all of them away: excluding too many is safe."""
    ids = [i for i in dict.fromkeys([*mentioned, *USER_ID_RE.findall(text)])]
    rest = USER_ID_RE.sub(",", text.replace("<@", " ").replace(">", " ").replace("@", " "))
    unmatched: list[str] = []
    for piece in reader.names_listed(rest):
        typed = " ".join(re.sub(r"[^\w' -]", " ", piece).split())
        typed = reader.without_words_before_a_name(typed)
        if not typed or reader.means_nobody(typed):
            continue
        found = _matches(typed, roster) if len(typed) > 2 else []  # not the "I" of "D&I"
        if found:
            ids.extend(user for user in found if user not in ids)
        elif len(typed) > 2:
            unmatched.append(typed[:80])
    return ids, unmatched


def _matches(typed: str, roster: dict[str, tuple[str, str]]) -> list[str]:
    wanted = typed.casefold()
    words = set(wanted.split())
    found = []
    for user_id, (name, _team) in roster.items():
        parts = name.casefold().split()
        if not parts:
            continue
        if name.casefold() in wanted or (words & set(parts)):
            found.append(user_id)
    if found:
        return found
    # A close spelling ("Pryia", "Tom Beker") of a full name or of any part of one.
    for user_id, (name, _team) in roster.items():
        candidates = [name.casefold(), *name.casefold().split()]
        # Short words are left out: "to" is one letter from "Tom".
        if any(difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
               for word in [wanted, *words] if len(word) >= 4):
            found.append(user_id)
    return found


def _check_narrative(narrative: str) -> None:
    if len(narrative) < 10:
        raise InvalidInput("Could you tell me a little more about what happened? A few sentences is fine.")
    if len(narrative) > NARRATIVE_MAX_CHARS:
        raise InvalidInput(f"That's longer than I can take in one go ({NARRATIVE_MAX_CHARS:,} characters). "
                           "Could you shorten it? The team can ask for more detail when they get in touch.")


def _draft(uow: UnitOfWork, draft_id: str | None, owner: str) -> Case | None:
    if not draft_id:
        return None
    return uow.session.scalar(select(Case).where(Case.reference == draft_id, Case.status == CaseStatus.draft,
                                                 Case.draft_owner == owner))


def _owned_draft(uow: UnitOfWork, owner: str) -> Case | None:
    if not owner:
        return None
    return uow.session.scalars(select(Case).where(Case.draft_owner == owner, Case.status == CaseStatus.draft)
                               .order_by(Case.id.desc())).first()


def keep_from_nobody(conversation_id: str, draft_id: str | None, uow: UnitOfWork) -> None:
    """"No one must not handle it" (a button, so no text to take): clear any exclusions kept
    from an earlier answer, and stop waiting for names."""
    with uow:
        case = _draft(uow, draft_id, conversation_id)
        if case is not None:
            case.excluded_ciphertext = None
        uow.session.execute(delete(ConfidentialPrompt).where(ConfidentialPrompt.conversation_id == conversation_id))
        uow.commit()


def _store_narrative(conversation_id: str, narrative: str, draft_id: str | None, uow: UnitOfWork, *,
                     keep_waiting: bool) -> str:
    """Encrypt what happened onto the conversation's draft (a new one, or the one being
    corrected). Returns the draft's id, never the text."""
    with uow:
        # One draft per conversation: telling it again ("change what happened") replaces the text.
        case = _draft(uow, draft_id, conversation_id) or _owned_draft(uow, conversation_id)
        if case is None:
            case = Case(reference="draft-" + secrets.token_urlsafe(9), status=CaseStatus.draft,
                        draft_owner=conversation_id)  # the id fits the reference column
            uow.session.add(case)
        case.narrative_ciphertext = uow.cipher.encrypt(narrative)
        prompt = uow.session.get(ConfidentialPrompt, conversation_id)
        if keep_waiting and prompt is not None:
            prompt.draft_reference = case.reference
        elif prompt is not None:
            uow.session.delete(prompt)
        uow.commit()
        return case.reference


def save_draft(narrative: str, uow: UnitOfWork, owner: str = "") -> str:
    """Store what happened, encrypted, as a draft. Returns the draft's id (not the text)."""
    narrative = (narrative or "").strip()
    _check_narrative(narrative)
    return _store_narrative(owner, narrative, None, uow, keep_waiting=False)


def discard_draft(draft_id: str | None, uow: UnitOfWork, owner: str | None = None) -> None:
    """Delete a draft (and stop waiting for confidential text): the person stopped."""
    with uow:
        if draft_id:
            uow.session.execute(delete(Case).where(Case.reference == draft_id, Case.status == CaseStatus.draft))
        if owner:
            uow.session.execute(delete(Case).where(Case.draft_owner == owner, Case.status == CaseStatus.draft))
            uow.session.execute(delete(ConfidentialPrompt).where(ConfidentialPrompt.conversation_id == owner))
        uow.commit()


def excluded_ids(case: Case, cipher: Cipher) -> set[str]:
    """Who must not handle the case, decrypted: checked at every notice and every read."""
    if case.excluded_ciphertext is None:
        return set()
    return set(json.loads(cipher.decrypt(case.excluded_ciphertext)))


def eligible_handlers(session, case: Case, cipher: Cipher) -> list[str]:
    """Who may open and act on a case, and is told about it: its team, less anyone named."""
    return routing.case_handlers(session, case.routed_to, excluded_ids(case, cipher))


def team_for(draft_id: str, owner: str, route_to: str, uow: UnitOfWork) -> str:
    """The team the case would go to if sent to `route_to` now: the other one when everyone
    who handles cases on `route_to` was named as someone who must not handle it."""
    with uow:
        case = _draft(uow, draft_id, owner)
        kept_away = excluded_ids(case, uow.cipher) if case is not None else set()
        if routing.case_handlers(uow.session, route_to, kept_away):
            return route_to
        other = routing.other_case_team(route_to)
        return other if routing.case_handlers(uow.session, other, kept_away) else route_to


def handlers_left(draft_id: str, owner: str, route_to: str, uow: UnitOfWork) -> int | None:
    """How many could still open the case on `route_to` when someone there was named as someone
    who must not handle it; None when nobody there was named. A count, never names: the names
    left, beside the team's roster, would say who was kept away, and this is said through Rasa."""
    with uow:
        case = _draft(uow, draft_id, owner)
        kept_away = excluded_ids(case, uow.cipher) if case is not None else set()
        members = routing.team_members(uow.session, route_to)
        if not kept_away & set(members):
            return None
        return len([member for member in members if member not in kept_away])


# ---------------------------------------------------------------- submitting

def submit_case(draft_id: str, reporter_id: str, *, on_behalf: bool, consented: bool | None,
                may_be_named: bool | None, category: str, route_to: str, uow: UnitOfWork,
                anonymously: bool = False, tell_me: bool = False, hold_for: str | None = None) -> CaseReceipt:
    """Send the conversation's draft as a case to the handlers of `route_to` (or the other team,
    when everyone there was named as someone who must not handle it).

    `anonymously`: the case keeps no reporter and nothing that joins it to their conversation.
    Its draft's id (which the conversation holds) gives way to a reference, its times keep only
    the day, its notices leave after a random delay, its audit entries name nobody; a receipt
    code, returned once, is kept only as a keyed slow hash (bot.core.receipts). `tell_me`: the
    reporter's Slack id is kept, encrypted, to tell them there's news (they're told it links them).

    `hold_for` (a Slack user id, chosen in Slack's people picker): the case is held, sent to
    nobody, until another case is held about the same person, kept only as a keyed hash; then
    every case held about them is released to its team, and their reporters told."""
    if category not in CATEGORIES:
        raise InvalidInput("Please pick one of the categories.")
    if route_to not in ROUTES:
        raise InvalidInput("Cases go to the D&I service team or the People team.")
    if on_behalf and not consented:
        raise InvalidInput("I can only raise this on someone's behalf once they've agreed to it being raised.")
    if hold_for is not None and (not USER_ID_RE.fullmatch(hold_for) or hold_for == reporter_id):
        raise InvalidInput("Please choose the person it's about from your workspace's people.")
    with uow:
        session = uow.session
        secret = receipts.deployment_secret(uow) if anonymously or hold_for else b""
        # Only the conversation that wrote the draft can send it (a draft made in-process, by
        # `save_draft` without an owner, by whoever submits it).
        case = _draft(uow, draft_id, reporter_id) or _draft(uow, draft_id, "")
        if case is None or case.narrative_ciphertext is None:
            raise NotFound("I've lost track of what you told me, sorry: it may have expired. "
                           "Could we start again? Nothing has been sent.")
        team = _team_for(uow, route_to, excluded_ids(case, uow.cipher))
        now = uow.clock()
        case.reference = new_reference("CASE")
        case.draft_owner = None
        case.on_behalf = on_behalf
        case.affected_person_consented = consented if on_behalf else None
        case.affected_person_may_be_named = may_be_named if on_behalf else None
        case.category = category
        case.routed_to = team
        code = None
        if anonymously:
            code = receipts.new_code()
            case.anonymous, case.receipt_hash = True, receipts.code_hash(code, secret)
            # Fernet tokens say when they were made, in clear: what was told then, the day only.
            day = day_of(now)
            case.narrative_ciphertext = uow.cipher.encrypt(uow.cipher.decrypt(case.narrative_ciphertext), at=day)
            if case.excluded_ciphertext is not None:
                case.excluded_ciphertext = uow.cipher.encrypt(uow.cipher.decrypt(case.excluded_ciphertext), at=day)
            case.news_to_ciphertext = uow.cipher.encrypt(reporter_id, at=day) if tell_me else None
            case.created_at = case.updated_at = day
        else:
            case.reporter_slack_id = reporter_id
        released = False
        if hold_for is None:
            release_case(uow, case, "raised_case", rerouted=team != route_to)
        else:
            case.status, case.hold_key = CaseStatus.held, receipts.keyed(HOLD_KEY_PREFIX + hold_for, secret)
            case.held_at = kept_time(case, now)
            _audit(uow, case, "held_case", category=category, team=team)
            if not anonymously and reachable_in_slack(reporter_id):  # their way to send or delete it, any time
                outbox.notify(session, CaseHeldNotice(reference=case.reference, team=routing.TEAM_NAMES[team],
                                                      hold_days=uow.settings.case_hold_days),
                              key=f"case_held:{case.reference}", recipient=reporter_id)
            session.flush()
            released = _release_matches(uow, case)
        if anonymously:  # last, so no later flush stamps the moment of sending on it
            session.flush()
            session.execute(update(Case).where(Case.id == case.id).values(updated_at=day_of(now)))
        receipt = CaseReceipt(case.reference, team, routing.TEAM_NAMES[team], team != route_to,
                              uow.settings.case_acknowledge_days, code, held=case.status == CaseStatus.held,
                              released=released)
        uow.commit()
        return receipt


def _team_for(uow: UnitOfWork, route_to: str, kept_away: set[str]) -> str:
    """`route_to`, or the other team when everyone there must not handle it."""
    for team in (route_to, routing.other_case_team(route_to)):
        if routing.case_handlers(uow.session, team, kept_away):
            return team
    raise InvalidInput("Everyone who handles cases on both the D&I service team and the People team is "
                       "someone you've asked to keep away from it, so I can't send it to anyone here. "
                       "Nothing has been sent. Your manager, or a People partner outside these teams, "
                       "can help you take it further.")


def _audit(uow: UnitOfWork, case: Case, action: str, **detail) -> None:
    """What the reporter's sending did, in the audit log: an anonymous reporter is nobody, on a day."""
    if case.anonymous:
        audit.record(uow.session, receipts.ANONYMOUS, action, "case", case.reference, at=kept_time(case, uow.clock()),
                     **detail)
    else:
        audit.record(uow.session, case.reporter_slack_id or "unknown", action, "case", case.reference, **detail)


def release_case(uow: UnitOfWork, case: Case, action: str, **detail) -> bool:
    """The case goes to its team: open, and a notice to each of its handlers (an anonymous case's
    after a random delay, with only the day kept). Who a held case was about is forgotten.
    Returns False, leaving it held, when nobody on either team may handle it any more."""
    session, now = uow.session, uow.clock()
    kept_away = excluded_ids(case, uow.cipher)
    if not routing.case_handlers(session, case.routed_to, kept_away):  # the team changed while it was held
        try:
            case.routed_to = _team_for(uow, case.routed_to, kept_away)
        except InvalidInput:
            log.warning("Held case %s can't go: nobody on either team may handle it", case.id)
            return False
    case.status, case.hold_key = CaseStatus.open, None
    case.submitted_at = kept_time(case, now)
    for handler in routing.case_handlers(session, case.routed_to, kept_away):
        notice = notify_handler(uow, case, handler, key=f"case_notice:{case.reference}:{handler}")
        if case.anonymous:
            _send_later(notice, now)
    _audit(uow, case, action, category=case.category, team=case.routed_to, **detail)
    return True


def _release_matches(uow: UnitOfWork, case: Case) -> bool:
    """Every case held about the same person as `case` by someone else goes, with `case`, and
    their reporters are told. (Someone else: a second case of one's own releases nothing; an
    anonymous one can't be told apart, as the README says.) Returns whether `case` went."""
    others = [held for held in uow.session.scalars(select(Case).where(
        Case.hold_key == case.hold_key, Case.id != case.id, Case.status == CaseStatus.held).order_by(Case.id))
        if case.anonymous or held.anonymous or held.reporter_slack_id != case.reporter_slack_id]
    gone = [held for held in others if release_case(uow, held, "released_case", matched=True)]
    for held in gone:
        tell_released(uow, held)
    return bool(gone) and release_case(uow, case, "released_case", matched=True)


def match_held_cases(uow: UnitOfWork) -> int:
    """Held cases about the same person that missed each other (held at the same moment): they
    go now, and all their reporters are told. Run by the housekeeping. Returns how many went."""
    went = 0
    with uow:
        keys = uow.session.scalars(select(Case.hold_key).where(Case.status == CaseStatus.held)
                                   .group_by(Case.hold_key).having(func.count() > 1)).all()
        for key in keys:
            newest = uow.session.scalars(select(Case).where(Case.hold_key == key, Case.status == CaseStatus.held)
                                         .order_by(Case.id.desc())).first()
            before = uow.session.scalar(select(func.count()).select_from(Case).where(
                Case.hold_key == key, Case.status == CaseStatus.held))
            if _release_matches(uow, newest):
                tell_released(uow, newest)
                went += before
        uow.commit()
    return went


def tell_released(uow: UnitOfWork, case: Case) -> None:
    """A held case's reporter: it has gone to its team (a named one by DM; an anonymous one
    only that there's news, if they asked)."""
    if case.anonymous:
        tell_of_news(uow, case)
    elif reachable_in_slack(case.reporter_slack_id):
        outbox.notify(uow.session, CaseReleasedNotice(reference=case.reference, team=routing.TEAM_NAMES[case.routed_to],
                                                      acknowledge_days=uow.settings.case_acknowledge_days),
                      key=f"case_released:{case.reference}", recipient=case.reporter_slack_id)


def newest_case_of(reporter_id: str, uow: UnitOfWork) -> CaseReceipt:
    """The case this person sent last (with their name), to say it back in their conversation."""
    with uow:
        case = uow.session.scalars(select(Case).where(Case.reporter_slack_id == reporter_id, Case.status.not_in(UNSENT))
                                   .order_by(Case.submitted_at.desc(), Case.id.desc())).first()
        if case is None:
            raise NotFound("I can't find the case you just sent, sorry. Say *my requests* to see where it stands.")
        return CaseReceipt(case.reference, case.routed_to, routing.TEAM_NAMES[case.routed_to], False,
                           uow.settings.case_acknowledge_days)


def notify_handler(uow: UnitOfWork, case: Case, handler: str, *, key: str) -> OutboxMessage:
    """A case's notice for one handler, as a DM: what it is and how old, never what happened."""
    return outbox.notify(uow.session, CaseNotice(
        reference=case.reference, category=CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
        team=routing.TEAM_NAMES[case.routed_to], on_behalf=bool(case.on_behalf),
        may_be_named=case.affected_person_may_be_named, raised_at=(case.submitted_at or case.created_at).isoformat(),
        acknowledge_days=uow.settings.case_acknowledge_days, reporter=reporter_of(case)),
        key=key, recipient=handler)


def reporter_of(case: Case) -> str:
    """Who raised it, as its handlers are shown it: a Slack user id, a conversation outside
    Slack, or receipts.ANONYMOUS."""
    return receipts.ANONYMOUS if case.anonymous else case.reporter_slack_id or ""


def handlers_by_team(uow: UnitOfWork) -> dict[str, list[str]]:
    """The names of who handles cases, by team key: what a reporter is told before choosing."""
    with uow:
        roster = routing.case_roster(uow.session)
    teams: dict[str, list[str]] = {}
    for name, team in roster.values():
        teams.setdefault(team, []).append(name or "someone")
    return teams


def tell_of_news(uow: UnitOfWork, case: Case) -> bool:
    """An anonymous case's reporter who asked to be told is sent a DM that says only that there's
    news on a case they raised anonymously: no reference, and a key that names no case. Returns
    whether anyone was told."""
    if not case.anonymous or case.news_to_ciphertext is None:
        return False
    now = uow.clock()
    notice = outbox.notify(uow.session, AnonymousNewsNotice(), key=f"anonymous_news:{secrets.token_hex(12)}",
                           recipient=uow.cipher.decrypt(case.news_to_ciphertext))
    # Nor does it leave at the moment a handler acted on the case (and it is deleted once
    # delivered: bot.slack.delivery).
    _send_later(notice, now)
    return True


def kept_time(case: Case, moment: datetime) -> datetime:
    """`moment` as the case may keep it: an anonymous case keeps the day only."""
    return day_of(moment) if case.anonymous else moment


def _send_later(notice: OutboxMessage, now: datetime) -> None:
    """An anonymous case's notice: made "on the day", and leaving after a random delay, so its
    times don't point at the moment its reporter (or a handler, for the reporter's) acted."""
    low, high = ANONYMOUS_NOTICE_DELAY_MINUTES
    notice.created_at = day_of(now)
    notice.next_attempt_at = now + timedelta(minutes=low + secrets.randbelow(high - low + 1))
