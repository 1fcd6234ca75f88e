"""The one reader of replies: what a message sent to a question means. Yes, no, unsure, stop,
maybe-stop, repeat, skip, a correction, a question, another journey, or an answer.

Pure functions of the text and, where it is known, the intent the model gave it; no Rasa
import, so the confidential intake reads a message here without it ever reaching Rasa. The
words live in one data file, `cues.yml` beside this module; this module says where in a
message each cue counts. Words are read from how the message *starts*: "yes, that describes
me" and "not yet, I'll check with him first" are answers; "I want this to stop, he keeps
messaging me" is not a stop. The forms base (actions/forms.py) and the confidential intake
(bot/journeys/raise_issue.py) both read replies here, and nowhere else keeps a phrase list
(tests/unit/test_reader.py checks the cues against the NLU's own examples)."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

CUES_FILE = Path(__file__).with_name("cues.yml")
# The model decides a short reply the cues don't settle only when at least this sure.
MIN_CONFIDENCE = 0.6
# A stop the model suspects but the words don't say: in messages up to this long.
MODEL_STOP_WORDS = 8


@lru_cache(maxsize=1)
def cues() -> dict[str, list[str]]:
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    # YAML reads a bare no as false and :x: as a mapping: quote them in the file.
    wrong = [f"{name}: {item!r}" for name, items in data.items() for item in items if not isinstance(item, str)]
    if wrong:
        raise ValueError(f"{CUES_FILE.name}: quote these cues: {', '.join(wrong)}")
    return data


def alternatives(name: str) -> str:
    """The cue `name` as one regex group of its alternatives."""
    return "(" + "|".join(cues()[name]) + ")"


def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def _lead(name: str = "lead") -> str:
    return r"^(?:" + "|".join(cues()[name]) + r")*\s*"


_END = r"(?=\W|$)"
_UNSURE = _compile(_lead() + alternatives("unsure") + r"\b")
_YES = _compile(_lead() + "(" + "|".join(cues()["yes_words"] + cues()["yes_signs"]) + ")" + _END)
_NO = _compile(_lead() + "(" + "|".join(cues()["no_words"] + cues()["no_signs"]) + ")" + _END)
_ACKNOWLEDGEMENT = _compile(r"^" + alternatives("acknowledgements") + r"$")
_SEND_IT = _compile(alternatives("send_it"))
_ANONYMITY = _compile(alternatives("anonymity"))
_HELD = _compile(alternatives("held"))
_ONLY_UNDERSTOOD = _compile(r"^\W*(?:(?:ok(?:ay)?|right|alright|ah|oh|ahh?|thanks?|thank you)\W+)*" + alternatives("understood")
                            + r"\W*$")
_AND = "(?:" + "|".join(cues()["and_more"]) + r")\b"
# "yes, that describes me — and please tell them I'm new": after a pause in punctuation.
_AND_MORE_LATER = _compile(r"[,.;:!—–-]\s*" + _AND + r"[\s,:—–-]*(?P<rest>\S.*)$")
_AND_MORE = _compile(r"^[\s,.;:!—–-]*" + _AND + r"[\s,:—–-]*(?P<rest>\S.*)$")
_STOP_PHRASE = (r"(" + alternatives("stop_verbs") + r"(?=\s*$|\s*[^\w\s?]|\s+" + alternatives("stop_objects") + r"\b)|"
                + "|".join(cues()["stop_phrases"]) + ")")
_STOP_AT_START = _compile(r"^(?:" + "|".join(cues()["stop_lead"]) + r")*\s*" + _STOP_PHRASE + _END)
_STOP_ANYWHERE = _compile(r"\b" + _STOP_PHRASE + _END)
_ONLY_A_STOP = _compile(r"^(?:" + "|".join(cues()["stop_lead"]) + r")*\s*" + _STOP_PHRASE
                        + r"(?:[\s,.!;—–-]+" + alternatives("stop_tail") + r")*[\W_]*$")
_SECOND_THOUGHTS = _compile(_lead() + alternatives("second_thoughts"))
_NOT_A_STOP = _compile(r"\b" + alternatives("not_a_stop") + r"\b")
_ANOTHER_JOURNEY_INSTEAD = _compile(r"[,;.!—–-]\s*(?:(?:and|just|please|pls|can you|could you|i want to|i'?d like to)\s+)*"
                                    + alternatives("journey_verbs") + r"\b.*\binstead\b")
_VALUE_CHANGE = _compile(r"\b" + alternatives("value_change"))
_CARRY_ON = _compile(r"\b" + alternatives("carry_on") + r"\b")
_REPEAT = _compile(alternatives("repeat"))
_REPEAT_IN_LONGER = _compile(alternatives("repeat_in_longer"))
_WHAT_DO_YOU_MEAN = _compile(alternatives("what_do_you_mean"))
_SKIP = _compile(_lead("skip_lead") + alternatives("skip") + _END)
_LEAVE_BLANK = _compile(r"\b" + alternatives("leave_blank") + r"\b")
_DECLINES = _compile(_lead() + alternatives("declines") + r"\b.{0,60}\b" + alternatives("declined_things") + r"\b")
_NOBODY = _compile(r"^\W*((oh|ok(ay)?|um+|hmm+|well|so|actually|sorry|erm?)\W+)*" + alternatives("nobody")
                   + r"(\W+" + alternatives("nobody_tail") + r")*\W*$")
_CORRECTION_CUE = _compile(r"\b" + alternatives("correction") + r"\b")
_STRONG_CORRECTION_CUE = _compile(r"\b" + alternatives("strong_correction") + r"\b")
_CHANGE = _compile(r"\b" + alternatives("change") + r"\b")
_SWITCH_CUE = _compile(r"\b" + alternatives("switch") + r"\b")
_THANKS = _compile(r"^\W*((ah|oh|ok(ay)?|great|lovely|cool|nice|brilliant|perfect)[\s,!.]+)?" + alternatives("thanks") + _END)
_JUST_PLEASANTRIES = _compile(r"^[\W\s]*(" + alternatives("pleasantries") + r"[\W\s]*)*$")
_QUESTION_BACK = _compile(r"^\W*(" + alternatives("question_lead") + r"[\s,:.!—–-]*)*" + alternatives("question_words") + r"\b")
_QUESTION = _compile(r"\?\s*$|^" + alternatives("question_words") + r"\b")
_ABOUT_AN_OPTION = _compile(r"^\W*(sorry,? |wait,? |hmm,? |so,? )?" + alternatives("about_an_option") + r"\b")
_HELP = _compile(r"\b" + alternatives("help") + r"\b")
_PERSON = _compile(r"\b" + alternatives("person") + r"\b")
_PERSON_PLAINLY = _compile(r"\b" + alternatives("person_plainly") + r"\b")
_SHOW = _compile(alternatives("show"))
_TAKE_UP = _compile(r"\b" + alternatives("take_up") + r"\b")

_ABOUT_THE_ASSISTANT = {topic: _compile(r"\b" + alternatives(f"about_{topic}")) for topic in
                        ("being_a_bot", "who_sees", "what_next")}
_ASKS_WHETHER = _compile(alternatives("asks_whether"))
_ASKS_TO_MAKE_IT = _compile(alternatives("asks_to_make_it"))
_GROUP_DETAIL = {detail: _compile(r"\b" + alternatives(f"group_{detail}")) for detail in ("organisers", "meeting", "purpose")}
_ORDINALS = [_compile(r"^\W*(?:" + "|".join(cues()["lead"]) + r")*\s*" + item + r"\b") for item in cues()["ordinals"]]
_REFERS_BACK = _compile(r"\b" + alternatives("refers_back") + r"\b")
_ASKS_FOR_A_LIST = _compile(r"\b" + alternatives("asks_for_a_list") + r"\b")
_REFERS_TO_THE_ONE_SHOWN = _compile(r"\b" + alternatives("refers_to_the_one_shown"))
_WANTS_IN = _compile(r"\b" + alternatives("wants_in") + r"\b")

_VALUE_AFTER = _compile(r"(?:\bit'?s\b|\bit is\b|\bit should be\b|\bshould (?:be|say|read)\b|\bmake it\b|\bbe\b|"
                        r"\bto be\b|\bto\b|\bis\b|\bas\b|\bmeant\b|=|:)\s*(?P<value>.+)$")
_NOT_A_VALUE = _compile(r"^(wrong|incorrect|not right|a mistake|a typo|off|bad|no good|[\W_]*)$")
_TRAILING = _compile(r"([\s,.;!?]*\b(rather than|instead of|not)\b.*$)|"
                     r"([\s,.;!?]*(\b(instead|please|thanks|thank you|ta|cheers|then|now)\b[\s,.;!?]*)*$)")
# "the 21st not the 14th", "it's Coffee Roulette, not Coffee Club", "£450 rather than £400".
_NEW_NOT_OLD = _compile(r"^[\s,.!]*(?:(?:no|nope|oops|sorry|wait|actually|ah|oh)\b[\s,!.]*)*(?:it'?s|it is|it should be|"
                        r"should be|make it|i meant|i mean)?\s*(?P<new>[^,;]+?)[\s,;—–-]*\b(?:not|rather than|"
                        r"instead of)\s+(?:the\s+|a\s+|an\s+)?(?P<old>[^,;.!?]+?)[\s.!]*$")
_NOT_OLD_NEW = _compile(r"^[\s,.!]*(?:(?:no|oops|sorry|wait|ah|oh)\b[\s,!.]*)*(?:it'?s\s+|it is\s+)?not\s+(?:the\s+|a\s+|an\s+)?"
                        r"(?P<old>[^,;.!?]+?)(?:\s+(?:actually|after all))?\s*[,;.!—–-]+\s*(?:it'?s|it is|but|rather|"
                        r"it should be|i meant)?\s*(?:the\s+|a\s+|an\s+)?(?P<new>.+?)[\s.!]*$")

YES, NO, UNSURE = True, False, "unsure"
# The intents that start a journey with a form (actions/forms.py maps each to its form): one of
# them, with words like "instead", is another journey, not a stop ("scrap that, join me to X instead").
JOURNEY_INTENTS = ("join_group", "start_group", "request_support", "raise_issue")


class Meaning(str, enum.Enum):
    """What a message sent to a question means (read)."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    STOP = "stop"
    MAYBE_STOP = "maybe_stop"
    REPEAT = "repeat"
    SKIP = "skip"
    CORRECTION = "correction"
    QUESTION = "question"
    ANSWER = "answer"


@dataclass(frozen=True)
class Reading:
    meaning: Meaning
    # For a correction: (field, new value or None).
    correction: tuple[str, str | None] | None = None


def read(text: str, *, intent: str | None = None, confidence: float = 0.0, yes_no: bool = False,
         fields: dict[str, Iterable[str]] | None = None) -> Reading:
    """What the message means as a reply to a question. `yes_no`: the question asked for yes or
    no (a yes or a no is then an answer rather than a sign of stopping). `fields`: the answers
    given so far, by the words people name them with, for corrections."""
    stop = wants_to_stop(text, intent, confidence)
    if stop == "yes":
        return Reading(Meaning.STOP)
    fix = correction(text, fields, strict=True) if fields else None
    if fix is not None:
        return Reading(Meaning.CORRECTION, fix)
    reply = yes_or_no(text, intent, confidence) if yes_no else None
    if stop == "maybe" and reply not in (YES, NO):
        return Reading(Meaning.MAYBE_STOP)
    if asks_to_repeat(text):
        return Reading(Meaning.REPEAT)
    if asks_to_skip(text):
        return Reading(Meaning.SKIP)
    if reply is YES:
        return Reading(Meaning.YES)
    if reply is NO:
        return Reading(Meaning.NO)
    if reply == UNSURE:
        return Reading(Meaning.UNSURE)
    if is_a_question_back(text):
        return Reading(Meaning.QUESTION)
    return Reading(Meaning.ANSWER)


# ---------------------------------------------------------------- yes and no

def yes_or_no(text: str, intent: str | None = None, confidence: float = 0.0) -> bool | str | None:
    """True or False for an affirming or denying reply in any words, "unsure" for "not sure",
    None when the message isn't a reply to a yes/no question. Buttons send /affirm or /deny."""
    text = (text or "").strip()
    if text.startswith("/affirm"):
        return YES
    if text.startswith("/deny"):
        return NO
    if _UNSURE.match(text):
        return UNSURE
    no, yes = _NO.match(text), _YES.match(text)
    if yes and _ACKNOWLEDGEMENT.match(yes.group(1)):
        # "ok. no, he hasn't said yes yet": the "ok" acknowledges, the answer follows.
        if yes_or_no(re.sub(r"^[\s,.;:!—–-]+", "", text[yes.end():])) is NO:
            return NO
    if yes and no:  # "no problem", "no worries": the longer reading wins
        return YES if len(yes.group(1)) > len(no.group(1)) else NO
    if yes:
        return YES
    if no:
        return NO
    # What the model makes of a short reply the words don't settle ("I reckon so", "not for me").
    if len(text.split()) <= 6 and confidence >= MIN_CONFIDENCE:
        if intent == "affirm":
            return YES
        if intent == "deny":
            return NO
    return None


def rest_after_yes_or_no(text: str) -> str | None:
    """What follows the yes or no after "and", "also", "btw": "yes — and please tell them I'm
    new" -> "please tell them I'm new". None when there is nothing more."""
    match = _YES.match(text or "") or _NO.match(text or "")
    if not match:
        return None
    after = text[match.end():]
    more = _AND_MORE.match(after) or _AND_MORE_LATER.search(after)
    if not more:
        return None
    rest = more.group("rest").strip()
    # "cool. and yes, that describes me": the rest is the answer itself, not more.
    return None if re.match(r"^(yes|yeah|yep|yup|ya|no|nope|nah)\b", rest, re.IGNORECASE) else rest


def is_just_yes(text: str) -> bool:
    """A bare yes, with nothing else that could be an answer ("yes", "sure!", "ok")."""
    match = _YES.match(text or "")
    return bool(match) and not re.search(r"\w", text[match.end():])


# ---------------------------------------------------------------- stopping

def wants_to_stop(text: str, intent: str | None = None, confidence: float = 0.0) -> str | None:
    """"yes" for a clear request to stop what is under way, "maybe" when it might be one
    (second thoughts, or the model says stop but the words don't), None otherwise."""
    text = (text or "").strip()
    if text.startswith("/stop"):
        return "yes"
    if text.startswith("/"):
        return None
    if _NOT_A_STOP.search(text):
        return None
    if intent in JOURNEY_INTENTS and confidence >= MIN_CONFIDENCE and _ANOTHER_JOURNEY_INSTEAD.search(text):
        return None
    words = len(text.split())
    if _STOP_AT_START.match(text) or (words <= 5 and _STOP_ANYWHERE.search(text)):
        return "yes"
    # "ugh I don't know the cost yet, let's leave it for now": the last thing said calls it off,
    # and so does a sentence of its own: "actually hold on, cancel that. i'll message priya directly".
    clauses = [c.strip() for c in re.split(r"[,;.!?—–]+|\s-\s", text.strip(" ,;.!?")) if c.strip()]
    if len(clauses) > 1 and any(len(c.split()) <= 6 and _STOP_AT_START.match(c) for c in clauses):
        return "yes"
    if _SECOND_THOUGHTS.match(text) or (len(clauses) > 1 and any(
            len(c.split()) <= 6 and _SECOND_THOUGHTS.match(c) for c in clauses)):
        return "maybe"
    if intent == "stop" and confidence >= MIN_CONFIDENCE and words <= MODEL_STOP_WORDS:
        return "maybe"
    return None


def is_only_a_stop(text: str) -> bool:
    """Nothing but a stop, with nothing else said: "let's park it", "hold off for now, thanks"."""
    text = (text or "").strip()
    return text.startswith("/stop") or (not _NOT_A_STOP.search(text) and bool(_ONLY_A_STOP.match(text)))


def carries_on(text: str) -> bool:
    """Asked whether to stop or carry on: "carry on", "keep going"."""
    return bool(_CARRY_ON.search(text or ""))


# ---------------------------------------------------------------- asking again, skipping

def asks_to_repeat(text: str) -> bool:
    """"sorry, what was the question?", "say that again", "what were the options?"."""
    words = len((text or "").split())
    return (words <= 10 and bool(_REPEAT.search(text or ""))) or (words <= 16 and bool(_REPEAT_IN_LONGER.search(text or "")))


def asks_what_you_mean(text: str) -> bool:
    """Asking what the question means, with nothing else in it: "sorry, what do you mean?"."""
    return bool(_WHAT_DO_YOU_MEAN.search(text or ""))


def asks_to_skip(text: str) -> bool:
    """"skip", "skip that one for now", "I'd rather not say", "next question", "not sure who'll
    help yet, leave it blank for now"."""
    words = len((text or "").split())
    return (words <= 8 and bool(_SKIP.match(text or ""))) or (words <= 14 and bool(_LEAVE_BLANK.search(text or "")))


def declines_to_add(text: str) -> bool:
    """An optional note or detail declined in words: "no need for a note", "I prefer not to write
    a note, thank you", "nothing to say to them"."""
    return len((text or "").split()) <= 12 and bool(_DECLINES.match(text or ""))


def means_nobody(text: str) -> bool:
    """Nobody named where names are asked for: "no one", "none, thanks", "skip that"."""
    return bool(_NOBODY.match(text or ""))


# ---------------------------------------------------------------- thanks, questions, people, journeys

_RAISED_FOR = {name: _compile(r"\b" + alternatives(name)) for name in
               ("for_myself", "for_someone", "consent_given", "not_to_be_named", "to_be_named")}
_START_A_GROUP = _compile(r"\b" + alternatives("start_a_group"))
_ASKS_WHETHER_ONE_EXISTS = _compile(alternatives("asks_whether_one_exists"))
_ASKS_FOR_IT = _compile(r"\b" + alternatives("asks_for_it"))
_ASKS_TO_JOIN = _compile(alternatives("asks_to_join"))
_NEGATED_WANT = _compile(r"\b" + alternatives("negated_want"))
_SWITCH_OPENERS = _compile(r"^\W*(?:(?:" + "|".join(cues()["switch_openers"]) + r")\b\W*)+")
_ATTESTS = _compile(r"\b" + alternatives("attests"))
_NOTE_IN = _compile(r"\b" + alternatives("note_in") + r"\s*[:\-–—]?\s*(?P<note>\S.{1,400})$")
_FOR_SOMEONE_ELSE = _compile(r"\b" + alternatives("for_someone_else"))
_ABOUT_THE_CALENDAR = _compile(r"\b" + alternatives("about_the_calendar"))
_JOIN_VERB = _compile(r"\b" + alternatives("join_verbs") + r"\b")
_WHEN_AT_START = _compile(_lead() + r"(?:(?:and|also|btw|quick q)\W+)*" + alternatives("asks_when") + r"\b")
_ASKS_WHEN = _compile(r"\b" + alternatives("asks_when") + r"\b")
_THANKS_ANYWHERE = _compile(r"(?<!\w)" + alternatives("thanks") + r"(?!\w)")


def thanks_in(text: str) -> bool:
    """Thanks anywhere in a message: "ok nvm thx", "not now, thanks"."""
    return bool(_THANKS_ANYWHERE.search(text or ""))


def raised_for(text: str) -> dict[str, object]:
    """What a message about raising an issue says in passing: for whom ("issue_for": "myself" or
    "behalf"), that they agreed ("issue_consent": True), whether they may be named."""
    text = text or ""
    found: dict[str, object] = {}
    if _RAISED_FOR["for_myself"].search(text):
        found["issue_for"] = "myself"
    elif _RAISED_FOR["for_someone"].search(text) or _RAISED_FOR["consent_given"].search(text):
        found["issue_for"] = "behalf"
    if found.get("issue_for") == "behalf" and _RAISED_FOR["consent_given"].search(text):
        found["issue_consent"] = True
    # Whether they may be named says on whose behalf by itself ("she's fine with being named after all").
    if found.get("issue_for") != "myself":
        if _RAISED_FOR["not_to_be_named"].search(text):
            found["issue_may_name"] = False
        elif _RAISED_FOR["to_be_named"].search(text):
            found["issue_may_name"] = True
    return found


def wants_to_start_a_group(text: str) -> bool:
    """Asks to start a group ("new open group pls: 'Runners'"), not whether one exists first."""
    text = text or ""
    return not text.startswith("/") and bool(_START_A_GROUP.search(text)) and not _ASKS_WHETHER_ONE_EXISTS.search(text)


def asks_to_join(text: str) -> bool:
    """Opens with joining: "join the parents one", "ok i wanna join climate action"."""
    return not has_question(text or "") and bool(_ASKS_TO_JOIN.search(text or "")) \
        and not _NEGATED_WANT.search(text or "")


def asks_for_it(text: str) -> bool:
    """Asks for something rather than about it: "help with a social please"."""
    return not has_question(text or "") and bool(_ASKS_FOR_IT.search(text or ""))


def asks_whether_one_exists(text: str) -> bool:
    """"is there a group for cyclists?", "anything for new dads?": asks whether one exists."""
    return bool(_ASKS_WHETHER_ONE_EXISTS.search(text or ""))


def asks_to_send(text: str) -> bool:
    """Nothing but "send it": "yup send", "ok send it pls"."""
    return bool(_SEND_IT.match(text or ""))


def asks_for_anonymity(text: str) -> bool:
    """Wants a case sent without their name: "send it anonymously", "yes but leave my name out"."""
    return bool(_ANONYMITY.search(text or ""))


def wants_it_held(text: str) -> bool:
    """Wants a case held until someone else reports the same person: "hold it till someone else reports him"."""
    return bool(_HELD.search(text or ""))


def only_understood(text: str) -> bool:
    """Takes in what was said and answers nothing: "Ok I understand", "got it, thanks"."""
    return bool(_ONLY_UNDERSTOOD.match(text or ""))


def attests(text: str) -> bool:
    """Says in so many words that a closed group's criteria describe them: "yes i identify as a
    woman", "i meet the criteria", "that's me"."""
    return bool(_ATTESTS.search(text or ""))


def note_in(text: str) -> str | None:
    """A note for the organisers given in passing: "note for the organisers: 'moved from Leeds'"."""
    match = _NOTE_IN.search(text or "")
    return match.group("note").strip(" '\"‘’“”") if match else None


def for_someone_else(text: str) -> bool:
    """Asks to join someone else up: "my wife is also working here. she can also join same way na?"."""
    return bool(_FOR_SOMEONE_ELSE.search(text or ""))


def about_the_calendar(text: str) -> bool:
    """Asks about the awareness calendar in other words: "what've we got in the diary for the next few months?"."""
    return bool(_ABOUT_THE_CALENDAR.search(text or ""))


def joins_instead(text: str) -> bool:
    """Asks to join a group instead of what is under way: "maybe i should just join the parents one instead"."""
    return has_switch_cue(text) and bool(_JOIN_VERB.search(text or ""))


def asks_for_a_date(text: str) -> bool:
    """A question for a date: "when's IWD?", "oh and when's IDAHOBIT exactly" (no question mark)."""
    return asks_when(text) and (has_question(text) or bool(_WHEN_AT_START.match(text or "")))


def asks_when(text: str) -> bool:
    """Asks for a date or a time: "when's IWD this time", "what day is earth day?"."""
    return bool(_ASKS_WHEN.search(text or ""))


def is_just_thanks(text: str) -> bool:
    match = _THANKS.match(text or "")
    return bool(match) and bool(_JUST_PLEASANTRIES.match(text[match.end():]))


def has_switch_cue(text: str) -> bool:
    """Words that mark another journey started instead of this one: "actually", "instead"."""
    return bool(_SWITCH_CUE.search(text or ""))


def switch_said_with_yes(text: str) -> bool:
    """A yes that also asks to switch ("yes switch", "yes, I'd rather join instead"), not a yes
    that opens with "actually" ("actually yes, looks good")."""
    return has_switch_cue(_SWITCH_OPENERS.sub("", text or "", count=1))


_CONFIRMS_SWITCH = _compile(r"\b" + alternatives("confirms_switch") + r"\b")
_RESERVATION = _compile(r"\b" + alternatives("reservation") + r"\b")


def confirms_switch(text: str) -> bool:
    """Besides a yes, what confirms the switch a form asked about: "switch"."""
    return bool(_CONFIRMS_SWITCH.search(text or ""))


def has_reservation(text: str) -> bool:
    """A yes with a reservation ("yes but the date's wrong") is no plain yes at a summary."""
    return bool(_RESERVATION.search(text or ""))


def field_words(*slots: str) -> dict[str, tuple[str, ...]]:
    """The words that name each of these fields in a correction, by slot (cues `field_<slot>`);
    the first is the field's label."""
    return {slot: tuple(cues()[f"field_{slot}"]) for slot in slots}


def is_question(text: str) -> bool:
    """Put as a question: ends with "?" or opens with a question word."""
    return bool(_QUESTION.search(text or ""))


def has_question(text: str) -> bool:
    """Some sentence of it is put as a question: "for me. is it anonymous tho"."""
    return any(is_question(s.strip()) for s in sentences(text) if s.strip())


def is_a_question_back(text: str) -> bool:
    """A question put back to the bot where an answer was asked for ("q - could we get money for a
    coach?", "before i answer, which awareness days are next?"): it opens like a question and
    ends with a question mark."""
    text = (text or "").strip()
    # The question may come first and a reason after: "is it normal to run one alone? feels like a lot".
    return "?" in text and len(text.split()) <= 30 and bool(_QUESTION_BACK.match(text))


def asks_about_an_option(text: str) -> bool:
    """A question about one of the choices rather than a choice: "what's 'both'?"."""
    return bool(_ABOUT_AN_OPTION.match(text or ""))


def asks_for_help(text: str) -> bool:
    return len((text or "").split()) <= 6 and bool(_HELP.search(text or ""))


def asks_for_person(text: str, *, plainly: bool = False) -> bool:
    """Asking for a person: in so many words (`plainly`, whatever the model made of the rest),
    or loosely, when the model says so too."""
    words = len((text or "").split())
    # "are you a bot or a human?" asks what the assistant is; only what's left can ask for one.
    text = _ABOUT_THE_ASSISTANT["being_a_bot"].sub(" ", text or "")
    if plainly:
        return words <= 25 and bool(_PERSON_PLAINLY.search(text or ""))
    return (words <= 15 and bool(_PERSON.search(text or ""))) or (words <= 25 and bool(_PERSON_PLAINLY.search(text or "")))


def asks_to_see(text: str) -> bool:
    """"show me the groups", "list the events": asked for, not an answer."""
    return bool(_SHOW.search(text or ""))


def asks_to_change(text: str) -> bool:
    """At a summary: something to change ("correct" is no change: "all correct, send it")."""
    return bool(_CHANGE.search(text or ""))


def takes_up_an_offer(text: str) -> bool:
    """Words that take up what was just offered: "we'd love to", "sign me up", "mark it"."""
    return bool(_TAKE_UP.search(text or ""))


# ---------------------------------------------------------------- the assistant, answers first, the thing in focus

def about_the_assistant(text: str) -> str | None:
    """What a question about the assistant or the process asks: "being_a_bot" ("are you a
    bot?"), "who_sees" ("who'll see that I asked?", "is it anonymous?"), "what_next" ("what
    happens now?", "how long does it take?"); None for anything else."""
    text = text or ""
    if text.startswith("/") or len(text.split()) > 40:
        return None
    return next((topic for topic, cue in _ABOUT_THE_ASSISTANT.items() if cue.search(text)), None)


def all_about_the_assistant(text: str) -> list[str]:
    """Every question about the assistant a message asks, in the order of the topics: "are you a
    real person or a bot? and who sees what i type here" asks two."""
    text = text or ""
    if text.startswith("/") or len(text.split()) > 40:
        return []
    return [topic for topic, cue in _ABOUT_THE_ASSISTANT.items() if cue.search(text)]


def without_questions(text: str) -> str:
    """What a message says besides its questions: "for me. is it anonymous tho?" -> "for me"."""
    kept = [s for s in sentences(text) if s.strip() and not is_question(s) and not about_the_assistant(s)]
    return " ".join(kept).strip(" .!")


def asked_about_the_assistant(text: str) -> str | None:
    """The topic of a question about the assistant that is put as one ("is it anonymous tho?"),
    or any mention of its being a bot; None otherwise (see about_the_assistant)."""
    topic = about_the_assistant(text)
    # "if I ask to join, who finds out": a clause of it is the question, "?" or not.
    asked = has_question(text) or any(has_question(clause) for clause in _clauses(text or ""))
    return topic if topic and (topic == "being_a_bot" or asked) else None


def asks_whether_possible(text: str) -> bool:
    """Asks whether something is possible or who pays ("is there money for a diwali do?",
    "who pays if WiT want a speaker?"), rather than asking for it ("can I request budget…")."""
    text = text or ""
    if text.startswith("/"):
        return False
    # Read clause by clause: "Nadia wants a picnic. Is there budget for that, and can I just request
    # it for her?" asks whether first, whatever the next clause asks for.
    return any(_ASKS_WHETHER.search(clause) and not _ASKS_TO_MAKE_IT.search(clause) for clause in _clauses(text))


_CLAUSE_BREAK = _compile(r"[.?!;:]+\s+|,\s*(?:and|but|or|also|plus)\b\s*|,\s*(?=(?:is|are|can|could|do|does|will|would|who)\b)|\s+(?:and|but|or)\s+(?=(?:can|could|do|does|is|are|will|would|who|what|how)\b)|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of a message, split after . ! ? and at line breaks."""
    return re.split(r"(?<=[.!?])\s+|\n+", (text or "").strip())


_CONTINUES = _compile(r"^\W*" + alternatives("continues_a_sentence") + r"\b")
# A piece shorter than this ("for faith and belief", "Hello.") is read with the sentence beside it.
SENTENCE_MIN_WORDS = 4


def sentences_to_read(text: str) -> list[str]:
    """The sentences of a longer message that can each be read on their own, so that the one
    carrying the request is found behind the context people give first ("back from paternity
    leave monday. do we have anything for new parents?"). A piece under SENTENCE_MIN_WORDS
    words, or one that continues a sentence ("… for faith and belief"), joins the sentence before
    it (the first, the one after it). Empty for one sentence."""
    read: list[str] = []
    for piece in (p.strip() for p in re.split(r"(?<=[.!?…])\s+|\n+", (text or "").strip())):
        if not piece:
            continue
        words = len(re.findall(r"\w+", piece))
        continues = _CONTINUES.match(piece) and words < 2 * SENTENCE_MIN_WORDS and not piece.endswith("?")
        if read and (words < SENTENCE_MIN_WORDS or continues or len(re.findall(r"\w+", read[-1])) < SENTENCE_MIN_WORDS):
            read[-1] = f"{read[-1]} {piece}"
        else:
            read.append(piece)
    return read if len(read) > 1 else []


def _clauses(text: str) -> list[str]:
    return [clause.strip() for clause in _CLAUSE_BREAK.split(text) if clause and clause.strip()]


def group_detail(text: str) -> str | None:
    """The detail of a group a question asks for: "organisers" ("who runs it?"), "meeting"
    ("when do they meet?"), "purpose" ("what do they get up to?"); None for none."""
    text = text or ""
    if text.startswith("/") or len(text.split()) > 25:
        return None
    return next((detail for detail, cue in _GROUP_DETAIL.items() if cue.search(text)), None)


def ordinal(text: str) -> int | None:
    """The place in a list a message names at its start: "the second one" -> 1, "last one" -> -1."""
    for place, cue in enumerate(_ORDINALS):
        if cue.search(text or ""):
            return -1 if place == len(_ORDINALS) - 1 else place
    return None


def asks_for_a_list(text: str) -> bool:
    """Asks for groups rather than about the one in focus: "which groups are there?" ("do they
    do anything about cycling?" points at the one shown)."""
    return bool(_ASKS_FOR_A_LIST.search(text or "")) and not _REFERS_TO_THE_ONE_SHOWN.search(text or "")


def wants_in(text: str) -> bool:
    """Asks to be added to what was just shown: "sick, add me", "go on then, sign me up"."""
    # Said in a short sentence of its own, however long the message: "WiT invite pls. yes i
    # identify as a woman. note for the organisers: '…'" (a long story that mentions joining isn't).
    return not _NEGATED_WANT.search(text or "") and any(
        len(sentence.split()) <= 12 and _WANTS_IN.search(sentence)
        for sentence in sentences(text)[:2])


def refers_back(text: str) -> bool:
    """Points back at what was just shown: "join it", "add me", "that one"."""
    return bool(_REFERS_BACK.search(text or ""))


# ---------------------------------------------------------------- corrections

def correction_cue(text: str) -> bool:
    """Words that say something given is to change: "make that £180", "actually", "wrong"."""
    return bool(_CORRECTION_CUE.search(text or "") or _VALUE_CHANGE.search(text or ""))


def correction(text: str, fields: dict[str, Iterable[str]], strict: bool = False) -> tuple[str, str | None] | None:
    """(slot, new value or None) when the message corrects a field by naming it: "the date's
    wrong, it's the 14th" -> ("support_when", "the 14th"); "change the note" -> ("invite_note",
    None). `fields` maps each slot to the words people use for it. `strict` (the message could
    be a free-text answer): only plain correction words count, not "actually" or "instead"."""
    text = (text or "").strip()
    if text.startswith("/") or not (_STRONG_CORRECTION_CUE if strict else _CORRECTION_CUE).search(text):
        return None
    found: tuple[int, int, str] | None = None
    for slot, words in fields.items():
        for word in words:
            match = re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
            if match and (found is None or match.start() < found[0]):
                found = (match.start(), match.end(), slot)
    if found is None:
        return None
    start, end, slot = found
    rest = text[end:]
    value = None
    after = _VALUE_AFTER.search(rest)
    if after:
        value = after.group("value")
        # "the date's wrong, it's the 14th": the last "it's …" is the value.
        for later in re.finditer(r"\b(?:it'?s|it is|should be)\s+(?P<value>.+)$", rest, re.IGNORECASE):
            value = later.group("value")
    elif re.search(r"\bmake (the|it)\b", text[:start + 1], re.IGNORECASE) or re.match(r"^\s*[:=]", rest):
        value = rest
    if value is not None:
        value = re.split(r"[?!]\s", value)[0]  # "… to wellbeing? that fits better"
        value = _TRAILING.sub("", value.strip(" '\"“”‘’")).strip(" '\"“”‘’")
        # "the amount is wrong": no new value given.
        if _NOT_A_VALUE.match(value) or re.match(r"^(wrong|incorrect|not right)\b", value, re.IGNORECASE):
            value = None
    return slot, value or None


def swapped_value(text: str) -> tuple[str, str] | None:
    """(new, old) when a message puts one value in place of another without naming the field:
    "the 21st not the 14th" -> ("the 21st", "14th"). Both short; the form decides which answer
    holds the old value (actions/forms.py)."""
    text = (text or "").strip()
    if text.startswith("/"):
        return None
    # The whole message, or a clause of it: "ugh sorry, wrong day, it's the 21st not the 14th", "make it
    # D&I not People, she'd rather it went to that team".
    clauses = [text] + [c.strip() for c in re.split(r"[,;.!?—–]+\s+", text)][::-1]
    for pattern, clause in ((p, c) for c in clauses for p in (_NOT_OLD_NEW, _NEW_NOT_OLD)):
        match = pattern.match(clause)
        if match:
            new, old = match.group("new").strip(" '\"“”‘’"), match.group("old").strip(" '\"“”‘’")
            if new and old and len(new.split()) <= 6 and len(old.split()) <= 5 and new.lower() != old.lower():
                return new, old
    return None


# ---------------------------------------------------------------- the values answers carry

def signs() -> tuple[re.Pattern, re.Pattern]:
    """A sign of yes and one of no, anywhere in a message (a thumbs-up however Slack writes it),
    or a letter alone ("k", "n"): for the intent classifier's features."""
    def sign(kind: str) -> re.Pattern:
        return re.compile("|".join(cues()[f"{kind}_signs"]) + r"|^\W*(" + "|".join(cues()[f"{kind}_letters"]) + r")\W*$")
    return sign("yes"), sign("no")


def cue_words(name: str) -> tuple[str, ...]:
    """A cue's words as plain strings, for a caller that matches them itself (pick_choice)."""
    return tuple(cues()[name])


def _words(name: str) -> str:
    return "(?:" + "|".join(cues()[name]) + ")"


_GROUP_TYPES = {"open": _compile(r"\b" + alternatives("open_group") + r"\b"),
                "closed": _compile(r"\b" + alternatives("closed_group") + r"\b")}
_OPEN_ALONE = _compile(r"\bopen\b")
_NEEDS_AN_INVITE = _compile(r"\b" + alternatives("needs_an_invite") + r"\b")
_GROUPISH = _compile(r"\b" + alternatives("groupish") + r"\b")
_GROUPS_IN_GENERAL = _compile(r"\b" + alternatives("groups_in_general") + r"\b")
_CALENDAR_WORDS = _compile(r"\b" + alternatives("calendar_words") + r"\b")
_JUST_ME = _compile(r"^\W*(?:" + _words("just_me_lead") + r" )?(" + "|".join(cues()["just_me"] + cues()["just_me_alone"]) + r")\b")
_JUST_ME_IN = _compile(r"\b" + alternatives("just_me") + r"\b")
_NOT_FOR_A_GROUP = _compile(alternatives("not_for_a_group"))
_AMOUNT_AFTER_CHANGE = _compile(r"\b" + _words("amount_change") + r"\s+~?(?P<amount>\d{2,6}(?:\.\d{1,2})?)\b"
                                r"(?!\s*(?:(?:people|ppl|persons|of us)\b|[/:]))")


def group_types_named(text: str, proposal: bool = False) -> list[str]:
    """The group types a message names, "open" before "closed": "which are invite-only?" ->
    ["closed"]. In a `proposal`, "open" alone says the type, and "needs an invite" doesn't (it
    asks about groups that do)."""
    text = text or ""
    found = [kind for kind, words in _GROUP_TYPES.items() if words.search(text)
             or (kind == "open" and proposal and _OPEN_ALONE.search(text))
             or (kind == "closed" and not proposal and _NEEDS_AN_INVITE.search(text))]
    return found


def names_groups(text: str) -> bool:
    """Speaks of groups as such: "list closed grps", "the open ones"."""
    return bool(_GROUPISH.search(text or ""))


def groups_in_general(text: str) -> bool:
    """All the groups, not one: "who runs these groups?"."""
    return bool(_GROUPS_IN_GENERAL.search(text or ""))


def calendar_word_in(text: str) -> bool:
    """A word of the calendar (a month, a day, an event): "when" about it is no group's meeting."""
    return bool(_CALENDAR_WORDS.search(text or ""))


# "Just me" said within a message this long is about who organises; in a longer one it may be
# about anything.
JUST_ME_WORDS = 16


def only_me(text: str, anywhere: bool = False) -> bool:
    """The organiser is the person alone: "just me for now"; `anywhere`: said in a message of up
    to JUST_ME_WORDS ("is it ok if it's just me for now? I don't know anyone yet")."""
    if anywhere:
        return len((text or "").split()) <= JUST_ME_WORDS and bool(_JUST_ME_IN.search(text or ""))
    return bool(_JUST_ME.search(text or ""))


def not_for_a_group(text: str) -> bool:
    """Support for no group in particular: "it's not really for any group", "company-wide"."""
    return bool(_NOT_FOR_A_GROUP.search(text or ""))


def changed_amount(text: str) -> str | None:
    """The bare number of "actually make it 250", "more like 180": it can only be a new amount."""
    match = _AMOUNT_AFTER_CHANGE.search(text or "")
    return match.group("amount") if match else None


# A proposal's parts (actions/start_group.proposal_parts): what introduces a name, what says the
# group's purpose or its meetings, a part that is only its type, and words no name is made of.
NAME_IN_TEXT = _compile(r"\b" + _words("name_lead") + r"\s*[\"“'‘]?(?P<name>[^\"”’,.;!?\n]{2,40}?)[\"”'’]?"
                        r"(?=\s*(?:[,.;!?\n(]|\s-\s|:[a-z_]+:|\s+" + _words("name_ends_before") + r"\b|$))")
PURPOSE_IN_TEXT = _compile(r"\b(?P<lead>" + "|".join(cues()["purpose_lead"]) + r")\s+(?P<purpose>[^.!?\n]{8,300})")
PURPOSE_WORDS = _compile(alternatives("purpose_words"))
PURPOSE_START = _compile("|".join(cues()["purpose_start"]))
MEETING_IN_TEXT = _compile(r"(?P<meeting>[^.!?\n,]*\b" + _words("meeting_words") + r"\b[^.!?\n]*)")
TIME_OR_PLACE = _compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b" + _words("time_words") + r"\b")
TYPE_PART = _compile(r"^(?:" + _words("type_part_before") + r"\s+)*(?P<type>" + "|".join(cues()["type_part_words"])
                     + r")(?:\s+" + _words("type_part_after") + r")*\W*$")
# The group described as a thing ("a lunchtime yoga group"): what it is, not when it meets.
THE_GROUP_ITSELF = _compile(r"\b(?:a|an|new|our|my)\s+(?:[\w+\-]+\s+){0,3}" + _words("group_nouns")
                            + r"\b(?!\s+(?:meets?|will meet|would meet|meeting))")
FILLER_PART = _compile(r"^(?:" + _words("filler_parts") + r"\W*)+$")
ASKING_TO_START = _compile("|".join(cues()["asking_to_start"]))
NOT_A_NAME = _compile(r"\b" + alternatives("not_a_name") + r"\b")
GENERIC_NAME_WORDS = frozenset(cues()["generic_name_words"])

_FOR_THE_TIME_BEING = _compile(r"\b" + alternatives("for_the_time_being") + r"\b")
_NOT_NAMES = frozenset(cues()["not_names"])
_NOT_NAME_WORDS = frozenset(cues()["not_name_words"])
_FOR_MYSELF_ANSWER = _compile(r"\b" + alternatives("for_myself_answer") + r"\b")
_BEFORE_A_NAME = _compile(r"^" + alternatives("before_a_name") + r"\s+")
_RULED_OUT = _compile(r"\b" + alternatives("ruled_out") + r"\s+(for |a |an |the )?[\w&+-]+")


_BETWEEN_NAMES = _compile("|".join(cues()["between_names"]) + r"|\n")


def names_listed(text: str) -> list[str]:
    """The pieces a list of names splits into: "Priya and Tom, also Sam" -> Priya, Tom, Sam."""
    return _BETWEEN_NAMES.split(text or "")


def names_nobody_else(typed: str) -> bool:
    """An organisers answer, or a piece of one, that names nobody but the proposer: "just me for
    now", "only myself at the moment", "i don't really know anyone yet"."""
    words = " ".join(_FOR_THE_TIME_BEING.sub("", (typed or "").lower()).split()).strip(" .!")
    return words in _NOT_NAMES or set(re.findall(r"[\w']+", words)) <= _NOT_NAME_WORDS


def answers_for_myself(text: str) -> bool:
    """"for yourself or someone else?" answered "myself", "on my own behalf"."""
    return bool(_FOR_MYSELF_ANSWER.search(text or ""))


def without_words_before_a_name(typed: str) -> str:
    """"and maybe Sam" -> "maybe Sam" (one word at a time, as typed)."""
    return _BEFORE_A_NAME.sub("", typed or "")


def without_what_is_ruled_out(text: str) -> str:
    """"for them, not for me" -> "for them,  ": what a choice rules out is no choice."""
    return _RULED_OUT.sub(" ", text or "")


def choice_words(question: str) -> dict[str, tuple[str, ...]]:
    """Each choice of a question with its keywords, in the file's order: cues named
    `<question>_choice_<key>` ("issue_route" -> {"people": ("people", "hr"), ...})."""
    prefix = f"{question}_choice_"
    return {name[len(prefix):]: tuple(words) for name, words in cues().items() if name.startswith(prefix)}


_WHATS_COMING = _compile(r"\b" + alternatives("whats_coming") + r"\b")


def asks_whats_coming(text: str) -> bool:
    """Asks what is coming up on the calendar: "…and what else is coming up that's relevant to us?"."""
    return bool(_WHATS_COMING.search(text or ""))


_ASKS_IF_ALLOWED = _compile(r"\b" + alternatives("asks_if_allowed"))


def asks_if_allowed(text: str) -> bool:
    """Asks whether they may start a group, or how, before starting one: "Is that something I can
    just start? Do I need permission from someone?"."""
    return not (text or "").startswith("/") and bool(_ASKS_IF_ALLOWED.search(text or "")) and has_question(text)


_SAME_DAY = _compile(r"\b" + alternatives("same_day") + r"\b")
_SAME_GROUP = _compile(r"\b" + alternatives("same_group") + r"\b")


def same_as_last_request(text: str) -> tuple[bool, bool]:
    """(the same day, the same group) as the request just made: "and now the speaker one pls.
    Same day, £300 fee" -> (True, True)."""
    text = text or ""
    same_day = bool(_SAME_DAY.search(text))
    return same_day, same_day or bool(_SAME_GROUP.search(text))
