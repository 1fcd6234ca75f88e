"""The project's own spaCy pipeline.

spaCy's pretrained pipelines come from outside the package registries, so the project
builds its own: a blank English tokenizer that keeps community names such as "LGBTQ+"
whole, and a lookup lemmatizer from spacy-lookups-data (so "parents" matches "parent").
`python -m bot.nlu.spacy_pipeline models/spacy_en` writes it where Rasa's SpacyNLP loads it by path.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.symbols import ORTH

# Names the default tokenizer would split ("LGBTQ" + "+") but people treat as one word.
KEEP_WHOLE = ["LGBTQ+", "LGBT+", "LGBTQIA+", "LGBTQI+", "lgbtq+", "lgbt+", "lgbtqia+", "lgbtqi+"]


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    for text in KEEP_WHOLE:
        nlp.tokenizer.add_special_case(text, [{ORTH: text}])
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.meta["name"] = "community_groups_en"
    nlp.meta["description"] = "Blank English tokenizer and lookup lemmatizer for the community groups assistant"
    return nlp


def save_pipeline(path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(path)
    return path


@lru_cache(maxsize=4)
def load_pipeline(path: str | None = None) -> Language:
    """The saved pipeline when it exists, else one built in memory (same result, slower start)."""
    if path and (Path(path) / "config.cfg").is_file():
        return spacy.load(path)
    return build_pipeline()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "models/spacy_en")
    save_pipeline(target)
    print(f"spaCy pipeline written to {target}")
