"""The test stories in tests/stories, each evaluated by the running assistant's own model
through Rasa's `/model/test/stories` (what `rasa test core` does, without loading the model a
second time): given the story's turns, every next action must be predicted. (Like `rasa test
core` without `--e2e`, this checks the dialogue policies; the conversation tests check what the
NLU makes of people's words.)"""
from __future__ import annotations

import json
import urllib.request

import pytest
import yaml

from harness.servers import API_TOKEN, ROOT


STORIES = [(path.stem, story) for path in sorted((ROOT / "tests" / "stories").glob("*.yml"))
           for story in yaml.safe_load(path.read_text())["stories"]]


def evaluated(base_url: str, story: dict) -> dict:
    body = yaml.safe_dump({"version": "3.1", "stories": [story]}, sort_keys=False).encode()
    request = urllib.request.Request(f"{base_url}/model/test/stories?token={API_TOKEN}", data=body,
                                     headers={"Content-Type": "application/x-yaml"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("story", [story for _, story in STORIES], ids=[f"{f}: {s['story']}" for f, s in STORIES])
def test_every_turn_of_the_story_is_predicted(assistant, story):
    evaluation = evaluated(assistant.base_url, story)
    wrong = [step for step in evaluation["actions"] if step["action"] != step["predicted"]]
    predicted = [step["action"] for step in evaluation["actions"] if step["action"] != "action_listen"]
    assert not wrong and evaluation["accuracy"] == 1.0, json.dumps(
        {"wrong actions": wrong, "report": evaluation["report"]}, indent=1)[-6000:]
    # Every action the story names was evaluated (a story Rasa could not read would evaluate nothing).
    assert predicted == [step["action"] for step in story["steps"] if "action" in step]


def test_a_story_with_a_wrong_action_fails(assistant):
    """The control: a story the model would not follow is reported as not followed."""
    _, story = STORIES[0]
    wrong = {**story, "steps": [*story["steps"], {"action": "utter_goodbye"}]}
    evaluation = evaluated(assistant.base_url, wrong)
    assert evaluation["accuracy"] < 1.0
    assert [step["predicted"] for step in evaluation["actions"] if step["action"] == "utter_goodbye"] != ["utter_goodbye"]
