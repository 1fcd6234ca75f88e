"""Reference codes people can read aloud and type: a prefix for the kind of record and six
characters without the look-alikes 0/O and 1/I (32^6, about a billion, per prefix)."""
from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PREFIXES = {"INV": "invite request", "PRO": "group proposal", "SUP": "support request", "CASE": "case"}
REFERENCE_RE = re.compile(r"\b(INV|PRO|SUP|CASE)-([A-Z2-9]{6})\b", re.IGNORECASE)


def new_reference(prefix: str) -> str:
    assert prefix in PREFIXES
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def normalise_reference(text: str) -> str | None:
    """The reference in `text`, upper-cased, or None when there is none."""
    match = REFERENCE_RE.search(text or "")
    return f"{match.group(1)}-{match.group(2)}".upper() if match else None
