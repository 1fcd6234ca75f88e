"""Encryption at rest for confidential text (case narratives, who must not handle a case,
outcomes, handlers' notes).

Keys come from the CASE_ENCRYPTION_KEY setting (environment or `.env`): one Fernet key, or
several separated by commas, newest first. The newest encrypts; any of them decrypts, so a
new key can be put in front and `community-bot keys rotate` re-encrypts everything to it
before the old one is removed.

Without a key, the embedded default (a SQLite database) generates one into
var/case-encryption.key (mode 0600, git-ignored; `make clean` keeps it). Against any other
database there is no fallback: `require_key` refuses to start, because a generated key on
one server would leave every narrative it wrote unreadable to the next.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.core.errors import DomainError
from bot.core.settings import PROJECT_ROOT, Settings

LOCAL_KEY_FILE = PROJECT_ROOT / "var" / "case-encryption.key"


class KeyNotConfigured(DomainError):
    """No CASE_ENCRYPTION_KEY, against a database other than the embedded SQLite default."""


class CannotDecrypt(DomainError):
    """Ciphertext that none of the configured keys opens (a key removed too soon)."""


def require_key(settings: Settings) -> None:
    """Refuse to start without a configured key unless on the embedded SQLite default."""
    if not settings.case_encryption_keys and not settings.is_sqlite:
        raise KeyNotConfigured(
            "CASE_ENCRYPTION_KEY is not set. Cases are encrypted with it, and on a shared database "
            "I won't generate one of my own: set it (in the environment or .env) and start again.")


def _local_key() -> bytes:
    if not LOCAL_KEY_FILE.exists():
        LOCAL_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(LOCAL_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return Path(LOCAL_KEY_FILE).read_bytes().strip()


class Cipher:
    """The configured keys, built once by the bootstrap and carried by every unit of work.
    Checked on first use, so a command that reads no case works without a key."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._keys: MultiFernet | None = None

    @property
    def _fernet(self) -> MultiFernet:
        if self._keys is None:
            require_key(self._settings)
            keys = self._settings.case_encryption_keys
            self._keys = MultiFernet([Fernet(key.encode()) for key in keys] if keys else [Fernet(_local_key())])
        return self._keys

    def encrypt(self, text: str, at: datetime | None = None) -> bytes:
        """`at`: the moment the token says it was made (Fernet keeps it in clear), if not now: an
        anonymous case's texts say only the day it was sent."""
        if at is not None:
            return self._fernet.encrypt_at_time(text.encode("utf-8"), int(at.timestamp()))
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise CannotDecrypt("This was encrypted with a key that is no longer configured.") from None

    def seal(self, text: str) -> str:
        """A message said in confidence, for the moment Rasa and the actions need it: carried
        beside the conversation, never stored in it (bot.rasa_plumbing.confidential)."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def unseal(self, token: str, max_age_seconds: int) -> str | None:
        """What `seal` sealed, if it is younger than `max_age_seconds`; None otherwise."""
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=max_age_seconds).decode("utf-8")
        except (InvalidToken, UnicodeError):
            return None

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext, encrypted with the newest key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise CannotDecrypt("This was encrypted with a key that is no longer configured.") from None
