"""What a message sent to a form's question means, read from its words and the NLU together:
yes or no (and what follows "yes, and …"), a request to stop, to hear the question again or
to skip it, a correction that names a field, or another journey started mid-form.

Pure functions of the text (and the intent the model gave it), so each reading is tested on
its own (tests/test_answers.py). The forms base (actions/forms.py) decides what to do with them.
Words are read from how the message *starts*: "yes, that describes me" and "not yet, I'll check
with him first" are answers; "I want this to stop, he keeps messaging me" is not a stop."""
from __future__ import annotations

import re
from typing import Iterable

# Fillers people put before what they mean: "hmm, let's leave it", "ok so, yes".
_LEAD = r"^(?:\W|hmm+|hm+|um+|uh+|ugh+|er+m*|oh|ah|ok(?:ay)?\s*so|so|well|actually|sorry|honestly|right|good(?=\W)|" \
        r"oh good|great(?=\W+\w)|cool(?=\W+\w)|nice(?=\W+\w))*\s*"
_UNSURE = re.compile(_LEAD + r"(not sure|unsure|maybe|perhaps|possibly|i don'?t know|i do not know|dunno|idk|"
                     r"no idea|kind of|sort of|not certain|it depends|hard to say)\b", re.IGNORECASE)
_YES = re.compile(_LEAD + r"(y|ya|yes+|yeah|yeh|yep|yup|yea|aye|sure|ok|okay|k|kk|correct|right|that'?s right|"
                  r"that'?s correct|absolutely|definitely|of course|certainly|indeed|exactly|affirmative|"
                  r"go ahead|go for it|do it|please do|please|sounds good|sounds great|looks good|looks great|"
                  r"looks right|all good|perfect|great|fine|lovely|brilliant|cool|no problem|no worries|"
                  r"that'?s me|that describes me|it does|they have|they do|they are|she has|he has|she does|"
                  r"he does|i do|i am|i have|i will|send it|submit it|submit|send|confirm|fire away|"
                  r"alright|all right|all correct|all good|all fine|lgtm|ship it|spot on|bang on|yass|go on|defo|for sure|"
                  r"that'?s the one|agreed|i agree|we agree|(we'?re|i'?m|we are|i am) on board|happy with (it|that|this)|"
                  r"fine by me|that'?s fine|that'?s (ok|okay|good|great|perfect|right)|that works|works for me|read it|👍|✅|:\+1:|:thumbsup:|:white_check_mark:|:ok_hand:|👌)(?=\W|$)",
                  re.IGNORECASE)
_NO = re.compile(_LEAD + r"(n|no+|nope|nah|na|nay|not yet|not really|not right now|not now|not at the moment|"
                 r"not at all|negative|never|none|nothing|nobody|no one|i don'?t|i do not|i haven'?t|i'?m not|"
                 r"(i'?d )?rather (you|they|we|he|she) didn'?t|(i'?d )?prefer not|not for now|not for the moment|"
                 r"they haven'?t|they have not|they don'?t|they'?re not|she hasn'?t|he hasn'?t|she doesn'?t|"
                 r"he doesn'?t|it doesn'?t|doesn'?t|don'?t|let'?s not|rather not|i'?d rather not|"
                 r"👎|❌|:-1:|:thumbsdown:|:x:)(?=\W|$)", re.IGNORECASE)
# "yes, that describes me — and please tell them I'm new": after a pause in punctuation.
_AND_MORE_LATER = re.compile(r"[,.;:!—–-]\s*(?:and|also|btw|by the way|plus|oh and)\b[\s,:—–-]*(?P<rest>\S.*)$",
                             re.IGNORECASE | re.DOTALL)
# After a yes, more that answers the next question: "yes — and please tell them I'm new".
_AND_MORE = re.compile(r"^[\s,.;:!—–-]*(?:and|also|btw|by the way|plus|oh and)\b[\s,:—–-]*(?P<rest>\S.*)$",
                       re.IGNORECASE | re.DOTALL)

# A bare verb calls it off only on its own or with "it", "this", "please": "cancel the room booking if
# it rains" is an answer.
_OFF_OBJECT = (r"(?=\s*$|\s*[,.!;—–-]|\s+(it|this|that|please|now|here|everything|all of it|the (whole )?(thing|request|"
               r"lot|form|proposal|report|invite|application|idea))\b)")
_STOP_PHRASE = (r"((stop|cancel|quit|exit|abort|abandon|halt|scrap|forget)" + _OFF_OBJECT + r"|forget (about )?(it|this|that|"
                r"the whole thing)|never ?mind|nvm|leave it|let'?s leave|"
                r"leave this|(drop|ditch|bin|scrap|cancel) (it|this|that|the (whole )?(thing|request|lot|form|proposal|"
                r"report|invite|application|idea))|let'?s drop|give up|i give up|not (doing|going ahead with) this|"
                r"(i'?ve|i have|i) changed my mind|changed my mind|i don'?t want to (do|continue|carry on|go on|go ahead|go through|"
                r"report|raise|send|finish|bother)|i no longer want|delete (what|everything|it|that|this|all)|"
                r"no longer (needed|want)|i'?ll (do|leave) it (later|another time)|let'?s not do (this|it)|"
                r"start (again|over)|hold off|hold fire|hang fire|(let'?s )?park (it|this|that)|"
                r"((we|i)('?ll| will| can)? )?(continue|carry on|finish|do (it|this)) (it |this )?((on )?another|some other) (day|time)|"
                r"(go|going) through with (this|it)|get rid of (what|it|this|everything)|don'?t send (it|this|that|anything))")
_STOP_AT_START = re.compile(r"^(?:\W|hmm+|hm+|um+|ugh+|oh|ah|actually|ok(?:ay)?|sorry|no|nah|wait|please|so|well|"
                            r"you know what|on second thoughts?)*\s*" + _STOP_PHRASE + r"(?=\W|$)", re.IGNORECASE)
_STOP_ANYWHERE = re.compile(r"\b" + _STOP_PHRASE + r"(?=\W|$)", re.IGNORECASE)
_SECOND_THOUGHTS = re.compile(
    _LEAD + r"(i'?m )?(not sure (about (this|it|that)|i want|i should|if i want|whether)|having second thoughts|"
    r"second thoughts|on second thoughts?|maybe (i|we) shouldn'?t|i don'?t know (if|about|whether) (i|this)|"
    r"can i think about it|let me think|i need to think|"
    r"(i )?(dunno|don'?t know|not sure|wonder) (if|whether|that) (i|we)('?ve| have| can| should| want| am|'?m)?\b|"
    r"i'?m not sure i (can|should|want)|i can'?t go through with|not sure i'?m ready|"
    r"maybe (i|we) should (let|leave|wait|hold)|maybe (they|she|he) should|on reflection,? (maybe|i|let)|"
    r"i'?m having doubts|wait\W+maybe)", re.IGNORECASE)
# "stop" as a story ("I want this to stop"), "start again" meant as "from the top" is still a stop.
_NOT_A_STOP = re.compile(r"\b(leave (it|that|this|them) (blank|empty|out|off)|want (this|it|him|her|them) to stop|make (it|this|him|her|them) stop|"
                         r"(won'?t|doesn'?t|didn'?t|don'?t|wouldn'?t) stop|keeps?|kept)\b", re.IGNORECASE)

# Asking for the question again in a longer message: "sorry, i don't get this one, what are you asking me?".
_REPEAT_IN_LONGER = re.compile(
    r"(what (are|were) you asking|what (do|did) you (ask|mean|want)|what you ask|which question|"
    r"not sure what you('?re| are)? (asking|after|mean)|(don'?t|do not|didn'?t) (get|understand) (this|that|it|the question|"
    r"what you)|^\W*(sorry,? )?i don'?t understand\b|say (that |it )?again|(options|choices) again|"
    r"what('?s| is) (this|that) (question|asking)|repeat (that|the question|it))", re.IGNORECASE)
_REPEAT = re.compile(
    r"(repeat (that|the question|yourself|it|please)|say (that|it) again|what (was|is|were) the (question|options|choices)|"
    r"what('?s| is| was) the question|come again|what did you (ask|say|mean)|i missed (that|the question|it)|"
    r"ask (that|it|me) again|remind me (of )?(the|what)|what are my options|what were the options again|"
    r"^(sorry,? )?(what|pardon|huh|eh|sorry)\W*$|^(sorry,? )?what\?+$|didn'?t (catch|get) (that|the question)|"
    r"which (were|are) the (\w+ )?(choices|options)|(choices|options) again|what are you asking|"
    r"what (was|is) (that|it) you (asked|said|wanted)|lost track|what do you (want|need) (from me|to know|me to say)|"
    r"what (you'?re|you are|are you) asking|what (do )?you ask|what did you (want|need)|not sure what you('?re| are)? (asking|mean)|"
    r"\b(once more|one more time)\W*(please)?\W*$|ask (it|that|me) (again )?more simply|in simpler words|(say|put) it (another|more simply))",
    re.IGNORECASE)
_SKIP = re.compile(
    r"^(?:\W|ok|okay|hmm+|um+|actually|sorry|can (i|we)|could (i|we)|let'?s|please|i'?d like to|i want to)*\s*"
    r"(skip|pass|next( question| one)?(?=\W*$)|move on|leave (that|this|it) (out|blank|empty)|leave (that|this|it) for now|"
    r"rather not say|prefer not to say|i'?d rather not say|no comment|n/?a|not applicable|skip (it|this|that)( one)?|"
    r"i'?ll (pass|skip)|i will (pass|skip)|pass on (that|this|it))"
    r"(?=\W|$)", re.IGNORECASE)

# A correction names what is wrong or how to change it.
_CORRECTION_CUE = re.compile(r"\b(wrong|incorrect|not right|mistake|typo|change|edit|fix|correct|update|amend|"
                             r"should (be|say|read)|meant|make (the|it)|instead|actually|rather than|"
                             r"(can|could) (the|it|my|our) (\w+ )?(also )?(be|mention|say|include))\b",
                             re.IGNORECASE)
# Where the message could be an answer in its own right, only these make it a correction.
_STRONG_CORRECTION_CUE = re.compile(r"\b(wrong|incorrect|not right|a mistake|typo|should (be|say|read)|rather than|"
                                    r"(change|make|fix|update|edit|amend|correct) (the|my|our|it)|"
                                    r"(can|could) (the|it|my|our) (\w+ )?be)\b", re.IGNORECASE)
_VALUE_AFTER = re.compile(r"(?:\bit'?s\b|\bit is\b|\bit should be\b|\bshould (?:be|say|read)\b|\bmake it\b|\bbe\b|"
                          r"\bto be\b|\bto\b|\bis\b|\bas\b|\bmeant\b|=|:)\s*(?P<value>.+)$", re.IGNORECASE | re.DOTALL)
_NOT_A_VALUE = re.compile(r"^(wrong|incorrect|not right|a mistake|a typo|off|bad|no good|[\W_]*)$", re.IGNORECASE)
_TRAILING = re.compile(r"([\s,.;!?]*\b(rather than|instead of|not)\b.*$)|"
                       r"([\s,.;!?]*(\b(instead|please|thanks|thank you|ta|cheers|then|now)\b[\s,.;!?]*)*$)",
                       re.IGNORECASE)
_SWITCH_CUE = re.compile(r"\b(instead|actually|rather|can i just|could i just|let me|i'?d like to|i want to|"
                         r"i'?d rather|changed my mind|forget (this|that)|never ?mind|really want|what i want|"
                         r"prefer|tbh|to be honest)\b", re.IGNORECASE)

_THANKS = re.compile(r"^\W*((ah|oh|ok(ay)?|great|lovely|cool|nice|brilliant|perfect)[\s,!.]+)?(thank you|thanks?|thx|ty|ta|cheers|much appreciated|appreciate it|great,? thanks|"
                     r"ok,? thanks|lovely,? thanks|🙏)(?=\W|$)", re.IGNORECASE)
# Said with thanks, still only thanks: "thanks, you're very helpful".
_JUST_PLEASANTRIES = re.compile(r"^[\W\s]*((so much|a lot|very much|again|for (that|this|the help|your help)|"
                                r"you'?re (very |so |really )?(helpful|great|a star|kind)|that'?s (very |really )?"
                                r"(helpful|great|kind|handy|useful)|good to know|that helps|much appreciated|mate|all)[\W\s]*)*$", re.IGNORECASE)

YES, NO, UNSURE = True, False, "unsure"
MIN_CONFIDENCE = 0.6


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
    if yes and re.fullmatch(r"ok(ay)?|k|right|alright|all right|well|good", yes.group(1), re.IGNORECASE):
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
    words = len(text.split())
    if _STOP_AT_START.match(text) or (words <= 5 and _STOP_ANYWHERE.search(text)):
        return "yes"
    # "ugh I don't know the cost yet, let's leave it for now": the last thing said calls it off.
    last = re.split(r"[,;.!?—–]+|\s-\s", text.strip(" ,;.!?"))[-1].strip()
    if last != text and len(last.split()) <= 6 and _STOP_AT_START.match(last):
        return "yes"
    if _SECOND_THOUGHTS.match(text):
        return "maybe"
    if intent == "stop" and confidence >= MIN_CONFIDENCE and words <= 8:
        return "maybe"
    return None


def asks_to_repeat(text: str) -> bool:
    """"sorry, what was the question?", "say that again", "what were the options?"."""
    words = len((text or "").split())
    return (words <= 10 and bool(_REPEAT.search(text or ""))) or (words <= 16 and bool(_REPEAT_IN_LONGER.search(text or "")))


_LEAVE_BLANK = re.compile(r"\b(leave (it|that|this)( one| question| bit)? (blank|empty|out|off)|skip (it|this|that)|"
                          r"i'?ll (pass|skip)|(prefer|like|rather|want) to (skip|pass)( on)?( this| that| it)?"
                          r"( one| question| bit)?(?=\W*$))\b",
                          re.IGNORECASE)


def asks_to_skip(text: str) -> bool:
    """"skip", "skip that one for now", "I'd rather not say", "next question", "not sure who'll
    help yet, leave it blank for now"."""
    words = len((text or "").split())
    return (words <= 8 and bool(_SKIP.match(text or ""))) or (words <= 14 and bool(_LEAVE_BLANK.search(text or "")))


_DECLINES = re.compile(_LEAD + r"(no|nope|nah|none|nothing|no need|i'?d (prefer|rather) not|i prefer not|rather not|"
                       r"not (really|this time)|i don'?t (need|want|have))\b.{0,60}\b(note|message|comment|to (add|say|write)|"
                       r"anything (else|more|to add))\b", re.IGNORECASE | re.DOTALL)


def declines_to_add(text: str) -> bool:
    """An optional note or detail declined in words: "no need for a note", "I prefer not to write
    a note, thank you", "nothing to say to them"."""
    return len((text or "").split()) <= 12 and bool(_DECLINES.match(text or ""))


def is_just_thanks(text: str) -> bool:
    match = _THANKS.match(text or "")
    return bool(match) and bool(_JUST_PLEASANTRIES.match(text[match.end():]))


def has_switch_cue(text: str) -> bool:
    """Words that mark another journey started instead of this one: "actually", "instead"."""
    return bool(_SWITCH_CUE.search(text or ""))


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


# "the 21st not the 14th", "it's Coffee Roulette, not Coffee Club", "£450 rather than £400",
# "not a social actually, it's a speaker thing": a new value put in place of an old one.
_NEW_NOT_OLD = re.compile(r"^[\s,.!]*(?:(?:no|nope|oops|sorry|wait|actually|ah|oh)\b[\s,!.]*)*(?:it'?s|it is|it should be|"
                          r"should be|make it|i meant|i mean)?\s*(?P<new>[^,;]+?)[\s,;—–-]*\b(?:not|rather than|"
                          r"instead of)\s+(?:the\s+|a\s+|an\s+)?(?P<old>[^,;.!?]+?)[\s.!]*$", re.IGNORECASE)
_NOT_OLD_NEW = re.compile(r"^[\s,.!]*(?:(?:no|oops|sorry|wait|ah|oh)\b[\s,!.]*)*(?:it'?s\s+|it is\s+)?not\s+(?:the\s+|a\s+|an\s+)?"
                          r"(?P<old>[^,;.!?]+?)(?:\s+(?:actually|after all))?\s*[,;.!—–-]+\s*(?:it'?s|it is|but|rather|"
                          r"it should be|i meant)?\s*(?:the\s+|a\s+|an\s+)?(?P<new>.+?)[\s.!]*$", re.IGNORECASE)


def swapped_value(text: str) -> tuple[str, str] | None:
    """(new, old) when a message puts one value in place of another without naming the field:
    "the 21st not the 14th" -> ("the 21st", "14th"). Both short; the form decides which answer
    holds the old value (actions/forms.py)."""
    text = (text or "").strip()
    if text.startswith("/"):
        return None
    # The whole message, or its last clause: "ugh sorry, wrong day, it's the 21st not the 14th".
    clauses = [text] + [c.strip() for c in re.split(r"[,;.!?—–]+\s+", text)[1:][-1:]]
    for pattern, clause in ((p, c) for c in clauses for p in (_NOT_OLD_NEW, _NEW_NOT_OLD)):
        match = pattern.match(clause)
        if match:
            new, old = match.group("new").strip(" '\"“”‘’"), match.group("old").strip(" '\"“”‘’")
            if new and old and len(new.split()) <= 6 and len(old.split()) <= 5 and new.lower() != old.lower():
                return new, old
    return None


_QUESTION_BACK = re.compile(r"^\W*((sorry|hang on|hold on|wait|one sec|before (i answer|that|we go on|i do)|quick (one|q|question)|"
                            r"q\b|um+|hmm+|so|oh|ah|also|btw|ok(ay)?|actually|first)[\s,:.!—–-]*)*"
                            r"(what|how|why|who|where|when|which|is|are|can|could|do|does|will|would|should|shall|may|"
                            r"am i|have|has)\b", re.IGNORECASE)


def is_a_question_back(text: str) -> bool:
    """A question put back to the bot where an answer was asked for ("q - could we get money for a
    coach?", "before i answer, which awareness days are next?"): it opens like a question and
    ends with a question mark."""
    text = (text or "").strip()
    # The question may come first and a reason after: "is it normal to run one alone? feels like a lot".
    return "?" in text and len(text.split()) <= 30 and bool(_QUESTION_BACK.match(text))
