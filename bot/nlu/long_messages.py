"""A Rasa NLU component that keeps very long messages (a pasted document, 40,000
characters) from being read as a request to start something: they are classified as
out_of_scope, whose action asks for a shorter message. Listed last in config.yml."""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

MAX_CHARS = 3000


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LongMessageGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": MAX_CHARS}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LongMessageGuard":
        return cls(config["max_chars"])

    def __init__(self, max_chars: int = MAX_CHARS):
        self.max_chars = max_chars

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if len(message.get("text") or "") > self.max_chars:
                intent = {"name": "out_of_scope", "confidence": 1.0}
                message.set("intent", intent, add_to_output=True)
                message.set("intent_ranking", [intent], add_to_output=True)
                message.set("entities", [], add_to_output=True)
        return messages
