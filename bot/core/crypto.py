"""Encryption at rest for confidential text (case narratives, who must not handle a case).

The key comes from the CASE_ENCRYPTION_KEY setting (a Fernet key; environment or `.env`). The embedded default, with no key
set, generates one into var/case-encryption.key (mode 0600, git-ignored) on first use.
Production must set the variable and keep the key out of the database's backups.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet

from bot.core.settings import PROJECT_ROOT, load_settings


@lru_cache(maxsize=4)
def _fernet(key: str | None) -> Fernet:
    if key:
        return Fernet(key.encode())
    path = PROJECT_ROOT / "var" / "case-encryption.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return Fernet(Path(path).read_bytes().strip())


def _current() -> Fernet:
    return _fernet(load_settings().case_encryption_key)


def encrypt(text: str) -> bytes:
    return _current().encrypt(text.encode("utf-8"))


def decrypt(token: bytes) -> str:
    return _current().decrypt(token).decode("utf-8")
