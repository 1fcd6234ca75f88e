"""Every setting the assistant reads from its environment, in one place.

`.env.example` documents each variable. A `.env` file in the project root is read
when present; real environment variables win over it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


@dataclass(frozen=True)
class Settings:
    database_url: str
    spacy_model_path: Path
    registry_file: Path
    # What a person raising an issue is told about acknowledgement: the teams' own promise.
    case_acknowledge_within: str

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = {**_read_dotenv(PROJECT_ROOT / ".env"), **(environ if environ is not None else os.environ)}
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'community-bot.db'}"
    return Settings(
        database_url=env.get("DATABASE_URL") or default_db,
        spacy_model_path=Path(env.get("SPACY_MODEL_PATH") or PROJECT_ROOT / "models" / "spacy_en"),
        registry_file=Path(env.get("REGISTRY_FILE") or PROJECT_ROOT / "registry" / "demo.yml"),
        case_acknowledge_within=env.get("CASE_ACKNOWLEDGE_WITHIN") or "two working days",
    )
