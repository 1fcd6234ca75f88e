"""A Rasa dense featurizer that adds all-MiniLM-L6-v2 vectors (bot/nlu/sentence_encoder.py)
to every message: one vector per token (the mean of its word pieces' contextual vectors)
and one for the whole sentence. The intent classifier and the ResponseSelector read them
(config.yml says which features each uses), so a request phrased in words the training
data never used is still recognised."""
from __future__ import annotations

import hashlib
from pathlib import Path
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

from bot.nlu import sentence_encoder
from bot.nlu.sentence_encoder import SentenceEncoder, shared_encoder


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

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """Rasa reuses cached training results unless a component's fingerprint changes; the
        encoder's code and weights live outside this class, so they go into it."""
        source = Path(sentence_encoder.__file__).read_bytes()
        return hashlib.sha256(source + sentence_encoder.WEIGHTS_SHA256.encode()).hexdigest()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training featurizes the same FAQ answer once per example of its key: encode it once.
        self._add_features(training_data.training_examples, cache={})
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return self._add_features(messages, cache=None)

    def _add_features(self, messages: list[Message],
                      cache: Optional[dict[tuple, tuple[np.ndarray, np.ndarray]]]) -> list[Message]:
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                tokens: Optional[list[Token]] = message.get(TOKENS_NAMES[attribute])
                text = message.get(attribute)
                if not tokens or not isinstance(text, str):
                    continue
                spans = tuple((t.start, t.end) for t in tokens)
                key = (text, spans)
                features = cache.get(key) if cache is not None else None
                if features is None:
                    features = self._features(text, spans)
                    if cache is not None:
                        cache[key] = features
                self.add_features_to_message(*features, attribute, message)
        return messages

    def _features(self, text: str, spans: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
        pieces, hidden, sentence = self.encoder.encode(text)
        starts = np.array([start for start, _ in spans])
        sums = np.zeros((len(spans), self.encoder.dimension), dtype=np.float32)
        counts = np.zeros(len(spans))
        for piece, vector in zip(pieces, hidden):
            if piece.end <= piece.start:
                continue  # [CLS] and [SEP]
            row = int(np.searchsorted(starts, piece.start, side="right")) - 1
            if row >= 0 and piece.start < spans[row][1]:
                sums[row] += vector
                counts[row] += 1
        sequence = sums / np.maximum(counts, 1)[:, None]
        return sequence.astype(np.float32), sentence.reshape(1, -1).astype(np.float32)
