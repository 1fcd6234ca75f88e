"""The domain's small responses that a reply is composed of: one line of a list, an optional
line of a summary, a button title. Whole replies are sent by name
(`dispatcher.utter_message(response="utter_…", name=value)`) and Rasa fills them; these
pieces are filled here, the same way, because they go inside another reply."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk.types import DomainDict

# The placeholder syntax of Rasa's interpolator (rasa/core/nlg/interpolator.py).
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


def phrase(domain: DomainDict, name: str, /, **values: Any) -> str:
    """The text of response `name` with its {placeholders} filled from `values` (a placeholder may
    itself be called {name}: `name` is positional only). A value
    missing is an error here: unlike Rasa, never fall back to a slot, which may hold
    unescaped typed text."""
    text = domain["responses"][name][0]["text"]
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)
