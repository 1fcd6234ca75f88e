"""Resolves what a user typed to groups in the live registry.

Works on spaCy lemmas from the project's pipeline, so case, punctuation and plurals do
not matter ("parents?" finds the topic "parent"), and on string similarity of the same
lemmas for small typos ("womn in tech"). Built from whatever the database holds, so a
newly registered group is recognised without retraining the Rasa model.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from difflib import SequenceMatcher
from typing import Iterable

from bot.nlu.spacy_pipeline import load_pipeline

NAME_WEIGHT = 1.0  # the group's name or an alias
TOPIC_WEIGHT = 0.9  # a topic the group covers
FUZZY_THRESHOLD = 0.82
FUZZY_MIN_CHARS = 5  # shorter words are too easily near something ("wit" ~ "with")
MAX_TOKENS = 80  # a long message is matched on its start; names are short

# Words that say "a group" rather than which one: never enough on their own.
GENERIC = frozenset(
    "a an the and or of for in on to with group network club community communities team channel "
    "society circle forum people grp grps ppl folk folks".split()
)


@dataclass(frozen=True)
class Term:
    key: str  # the group's key (its slug)
    text: str
    lemmas: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Match:
    key: str
    score: float
    exact: bool
    matched: str  # the registry term that matched, as written in the registry


class GroupMatcher:
    """An index of every group's name, aliases and topics."""

    def __init__(self, groups: Iterable[tuple[str, str, list[str], list[str]]], pipeline_path: Path):
        """`groups`: (key, name, aliases, topics) for each group; the project's spaCy pipeline."""
        self._nlp = load_pipeline(str(pipeline_path))
        entries = []
        for key, name, aliases, topics in groups:
            entries += [(key, name, NAME_WEIGHT)] + [(key, a, NAME_WEIGHT) for a in aliases]
            entries += [(key, t, TOPIC_WEIGHT) for t in topics]
        # Lower-cased first: the lookup lemmatizer only knows lower-case words ("Games" -> "game").
        docs = self._nlp.pipe(text.lower() for _, text, _ in entries)
        self.terms = [
            Term(key, text, lemmas, weight)
            for (key, text, weight), doc in zip(entries, docs)
            if (lemmas := _core(_lemmas(doc)))
        ]

    def match(self, text: str) -> list[Match]:
        """Best match per group, best first: exact matches, then near misses."""
        tokens = _lemmas(self._nlp(text[:2000].lower()))[:MAX_TOKENS]
        best: dict[str, Match] = {}
        for term in self.terms:
            found = self._exact(term, tokens) or self._fuzzy(term, tokens)
            if found and (term.key not in best or _rank(found) > _rank(best[term.key])):
                best[term.key] = found
        return sorted(best.values(), key=_rank, reverse=True)

    @staticmethod
    def _exact(term: Term, tokens: list[str]) -> Match | None:
        n = len(term.lemmas)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == term.lemmas:
                return Match(term.key, term.weight, True, term.text)
        return None

    @staticmethod
    def _fuzzy(term: Term, tokens: list[str]) -> Match | None:
        wanted = " ".join(term.lemmas)
        if len(wanted) < FUZZY_MIN_CHARS:
            return None
        n = len(term.lemmas)
        best = 0.0
        for size in {max(1, n - 1), n, n + 1}:
            for i in range(len(tokens) - size + 1):
                window = tokens[i : i + size]
                if set(window) <= GENERIC:
                    continue
                matcher = SequenceMatcher(None, wanted, " ".join(window), autojunk=False)
                if matcher.real_quick_ratio() >= FUZZY_THRESHOLD and matcher.quick_ratio() >= FUZZY_THRESHOLD:
                    best = max(best, matcher.ratio())
        if best >= FUZZY_THRESHOLD:
            return Match(term.key, best * term.weight, False, term.text)
        return None


def _rank(match: Match) -> tuple[bool, float]:
    return (match.exact, match.score)


def _core(lemmas: tuple[str, ...]) -> tuple[str, ...]:
    """The words that name the group: "LGBTQ+ Network" is found by "LGBTQ+" alone."""
    start, end = 0, len(lemmas)
    while start < end and lemmas[start] in GENERIC:
        start += 1
    while end > start and lemmas[end - 1] in GENERIC:
        end -= 1
    return lemmas[start:end]


def _lemmas(doc) -> tuple[str, ...]:
    out = []
    for token in doc:
        if token.is_punct or token.is_space or token.text in ("'s", "’s"):
            continue
        out.append(token.lemma_.lower() or token.lower_)
    return tuple(out)
