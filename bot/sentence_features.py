"""A Rasa dense featurizer that adds all-MiniLM-L6-v2 vectors (bot/sentence_encoder.py)
to every message: one vector per token (the mean of its word pieces' contextual vectors)
and one for the whole sentence. DIET and the ResponseSelector learn from these beside the
word and character counts, so they recognise a request phrased in words the training
data never used. Listed after the tokenizer in config.yml."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.sentence_encoder import SentenceEncoder, shared_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str,
                 encoder: Optional[SentenceEncoder] = None):
        super().__init__(name, config)
        self.encoder = encoder or shared_encoder()
        # Training featurizes the same FAQ answer once per example of its key.
        self._features = lru_cache(maxsize=4096)(self._features_uncached)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                tokens: Optional[list[Token]] = message.get(TOKENS_NAMES[attribute])
                text = message.get(attribute)
                if not tokens or not isinstance(text, str):
                    continue
                spans = tuple((t.start, t.end) for t in tokens)
                sequence, sentence = self._features(text, spans)
                self.add_features_to_message(sequence, sentence, attribute, message)
        return messages

    def _features_uncached(self, text: str, spans: tuple[tuple[int, int], ...]
                           ) -> tuple[np.ndarray, np.ndarray]:
        pieces, hidden, sentence = self.encoder.encode(text)
        sequence = np.zeros((len(spans), self.encoder.dimension), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            inside = [i for i, p in enumerate(pieces) if p.end > p.start and start <= p.start < end]
            if inside:
                sequence[row] = hidden[inside].mean(axis=0)
        return sequence, sentence.reshape(1, -1).astype(np.float32)
