"""`rasa test` on the test stories in tests/stories: the model must predict every turn
(intent, entities and next action); any wrong prediction fails."""
from __future__ import annotations

import subprocess

import pytest

from tests.rasa_harness import BIN, ROOT, subprocess_env, trained_model

pytestmark = pytest.mark.conversation


def test_every_story_is_predicted_exactly(tmp_path):
    result = subprocess.run(
        [BIN / "rasa", "test", "core", "--model", str(trained_model()), "--stories", str(ROOT / "tests" / "stories"),
         "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot"],
        # endpoints.yml names ${ACTION_SERVER_TOKEN}; `rasa test` calls no action but reads it.
        cwd=ROOT, env=subprocess_env(ACTION_SERVER_TOKEN="not-used-by-rasa-test"), capture_output=True, text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
    stories = sum(path.read_text().count("- story:") for path in (ROOT / "tests" / "stories").glob("*.yml"))
    assert f"Correct:          {stories} / {stories}" in result.stdout + result.stderr
