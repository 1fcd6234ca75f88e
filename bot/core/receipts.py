"""Receipt codes: how the person who sent a case anonymously comes back to it.

A code is 16 characters of Crockford's base 32 (80 bits), shown once, grouped in fours for
reading. It is never stored: only scrypt of it, keyed with a secret made once per deployment
and stored encrypted with the case key, so a copy of the database alone can't test a guess,
and a leaked hash can't be tried against another deployment. Typed back, case, spaces, dashes
and the letters people confuse with digits (O, I, L) don't matter.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.core.db import UnitOfWork
from bot.core.models import DeploymentSecret

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # x 5 bits = 80
# scrypt's cost: about 50 ms and 16 MB a try here, so guessing is slow even with the secret.
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
SECRET_NAME = "receipt_codes"
# Wrong codes a person may type in the window, after which even a right one waits; attempts older
# than the window are forgotten (bot.journeys.retention).
ATTEMPTS_ALLOWED = 5
ATTEMPT_WINDOW = timedelta(hours=1)
# Where a name would be, for a case sent anonymously: what its handlers see.
ANONYMOUS = "anonymous"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def readable(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str | None:
    """The code as made, from what was typed; None when it can't be one."""
    code = "".join((typed or "").split()).replace("-", "").upper().translate(_READ_AS)
    return code if len(code) == LENGTH and all(c in ALPHABET for c in code) else None


def deployment_secret(uow: UnitOfWork) -> bytes:
    """This deployment's secret for the hashes, made on first use. Read first in a transaction:
    when two processes make it at once, the loser's transaction is rolled back to read the winner's."""
    row = uow.session.get(DeploymentSecret, SECRET_NAME)
    if row is None:
        try:
            uow.session.add(DeploymentSecret(name=SECRET_NAME, ciphertext=uow.cipher.encrypt(secrets.token_hex(32))))
            uow.session.flush()
        except IntegrityError:
            uow.session.rollback()
        row = uow.session.get(DeploymentSecret, SECRET_NAME)
    return uow.cipher.decrypt(row.ciphertext).encode("ascii")


def code_hash(code: str, secret: bytes) -> str:
    return hashlib.scrypt(code.encode("ascii"), salt=secret, **_SCRYPT).hex()


def keyed(value: str, secret: bytes) -> str:
    """A stable stand-in for a value that mustn't be stored as it is (who tried a code)."""
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
