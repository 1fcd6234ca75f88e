"""The values more than one layer reads, each said once (the NLU's own copies, in config.yml,
are checked against these by tests/unit/test_layout.py)."""
from __future__ import annotations

# A slot's "nothing here": an optional answer left empty ("no note"), or nobody named as someone
# who must not handle a case. Never a real answer: a person's typed "-" is read as "no".
EMPTY = "-"

# The longest text taken in one piece: a chat message (longer is answered without being read,
# and the NLU's long-message guard calls it out of scope), what happened as typed into Slack's
# form, a handler's note on a case.
TEXT_LIMIT = 3000

# Safe mode (bot.rasa_plumbing.confidential): a message typed while an issue is being raised
# reaches Rasa as SAID_IN_CONFIDENCE, with the words sealed (encrypted) in its metadata under
# SEALED for the actions of that turn; the tracker store drops the seal before anything is kept.
SAID_IN_CONFIDENCE = "[confidential text removed]"
SEALED = "sealed"
# A seal opens for this long: the turn that carries it, with room for a slow one.
SEAL_MAX_AGE_SECONDS = 600

# Figures about people (cases, and anything counted by identity group) show a count under this
# as "fewer than 5", so that no cell points at someone.
SMALLEST_SHOWN = 5
