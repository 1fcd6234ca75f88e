"""What the actions must know of the NLU's settings, read from config.yml, where Rasa reads them:
said once, so a threshold tuned there is the one the forms use."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONFIG = Path(__file__).resolve().parents[2] / "config.yml"


@lru_cache(maxsize=None)
def pipeline_setting(component: str, key: str) -> Any:
    """`key` of the pipeline component named `component` (its name or its class path's end)."""
    pipeline = yaml.safe_load(CONFIG.read_text())["pipeline"]
    for step in pipeline:
        if step["name"] == component or step["name"].rsplit(".", 1)[-1] == component:
            return step[key]
    raise LookupError(f"config.yml has no {component} in its pipeline")


# Below this, the FallbackClassifier says the NLU isn't sure what a message means.
FALLBACK_THRESHOLD: float = pipeline_setting("FallbackClassifier", "threshold")
