"""The intent classifier: logistic regression over TF-IDF word and character n-grams plus the
MiniLM sentence vector (bot/nlu/sentence_features.py).

Why not DIET for intents: on our ~1,700 examples, cross-validated, DIET reached 0.90 intent
accuracy with the same sentence vectors while this linear model reached 0.95 (README,
"Understanding messages", has the figures and the command). DIET still runs, for entities
only (`intent_classification: false` in config.yml). The probabilities feed the
FallbackClassifier and the "Did you mean …?" buttons as DIET's confidences did.

The FAQ's topics are learnt as classes of their own and added back up into "faq" (see train).
The same probabilities choose the FAQ answer: the topic most likely among the FAQ's own, written
where Rasa's ResponseSelector writes its choice (`response_selector`), so `utter_faq` and
`rasa test nlu` read it unchanged. Cross-validated on our data this picks the right answer more
often than a ResponseSelector trained on the same sentence vectors (0.978 against 0.956, README
"Understanding messages"), and the intent and its answer can no longer disagree. A
ResponseSelector placed after this component in config.yml still overrides the choice.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu import reader
from bot.nlu.sentence_encoder import shared_encoder

MODEL_FILE = "intent_classifier.skops"
# What the saved model may contain; skops refuses to load anything else (unlike pickle).
TRUSTED_TYPES = {
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64", "numpy.int64", "builtins.slice", "scipy.sparse._csr.csr_matrix",
}


# Yes and no as a sign or a letter (a thumbs-up however it is written, a lone "k" or "n"): one
# feature for each, so they are learnt as one thing rather than one emoji at a time. The signs
# are the reader's (bot/nlu/cues.yml), not regexes in data/, which DIET would read too (its
# entities moved when they were added).
SIGNS = reader.signs()


def _has_content(text: str) -> bool:
    """A letter, a digit or an emoji ("👍" means yes): more than spaces and punctuation."""
    return any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation: higher trusts the training examples more.
            "C": 10.0,
            # How much the sentence vector counts against the n-gram counts.
            "sentence_vector_weight": 2.0,
            "ranking_length": 10,
            # Which dense featurizers' sentence vectors to read (their aliases in config.yml);
            # empty reads all of them.
            "featurizers": [],
            # How much a sign of yes or no counts (SIGNS; 0 ignores them).
            "sign_weight": 2.0,
            # A longer message is read sentence by sentence too (bot/nlu/reader.py,
            # sentences_to_read). When the whole message is unsure (below `sentence_decides_below`,
            # where it would otherwise fall back) or reads as small talk (`small_talk`: "Hello!
            # Good morning. I want to report something"), and one sentence asks for one of
            # `sentence_intents` at least `sentence_sure`, that sentence decides: "back from
            # paternity leave monday, brain is mush. do we have anything for new parents?" is
            # find_group. No sentence makes a message a greeting, a yes, a no or a stop.
            "sentence_intents": ["find_group", "join_group", "start_group", "request_support", "raise_issue",
                                 "check_status", "upcoming_events", "ask_service_team", "ask_about_assistant", "faq"],
            "sentence_decides_below": 0.5,
            "sentence_sure": 0.8,
            "small_talk": ["greet", "goodbye", "thank", "out_of_scope"],
        }

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[dict[str, Any]] = None):
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model  # {"words", "chars": TfidfVectorizer, "classifier": LogisticRegression}

    def _matrix(self, messages: list[Message], fit: bool = False) -> csr_matrix:
        vectors = [m.get_dense_features(TEXT, self.config["featurizers"] or None)[1] for m in messages]
        if fit:
            self.model["sentence_dimension"] = max(
                (v.features.shape[-1] for v in vectors if v is not None), default=0)
        # None for a message with no words, e.g. only spaces.
        vectors = [v.features.reshape(-1) if v is not None else None for v in vectors]
        return self._features([m.get(TEXT) or "" for m in messages], vectors, fit)

    def _features(self, texts: list[str], vectors: list[Optional[np.ndarray]], fit: bool = False) -> csr_matrix:
        texts = [text.lower() for text in texts]
        words, chars = self.model["words"], self.model["chars"]
        if fit:
            parts = [words.fit_transform(texts), chars.fit_transform(texts)]
        else:
            parts = [words.transform(texts), chars.transform(texts)]
        sentence = np.zeros((len(texts), self.model["sentence_dimension"]), dtype=np.float32)
        for row, vector in enumerate(vectors):
            if vector is not None:
                sentence[row] = vector
        parts.append(csr_matrix(sentence * self.config["sentence_vector_weight"]))
        signs = [[1.0 if sign.search(text) else 0.0 for sign in SIGNS] for text in texts]
        parts.append(csr_matrix(np.array(signs, dtype=np.float32) * self.config["sign_weight"]))
        return hstack(parts).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        self.model = {
            "words": TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            "classifier": LogisticRegression(C=self.config["C"], max_iter=2000, random_state=42),
        }
        features = self._matrix(examples, fit=True)
        # A retrieval intent's examples are ten unrelated topics ("faq/social_budget",
        # "faq/group_types", ...): one class per topic is easier to separate than one class for
        # all of them, and process() adds the topics back up into "faq".
        self.model["classifier"].fit(features, [e.get_full_intent() for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.model:  # trained without intent examples: nothing to recognise
            for message in messages:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
            return messages
        probabilities = self.model["classifier"].predict_proba(self._matrix(messages))
        for message, row in zip(messages, probabilities):
            by_intent = self._by_intent(row)
            if not _has_content(message.get(TEXT) or ""):
                # Only spaces or punctuation ("?", "..."): the n-grams of a lone "?" say
                # little, so claim no confidence and let the fallback ask what they meant.
                by_intent = {name: 0.0 for name in by_intent}
            by_intent, row = self._read_by_sentence(message, by_intent, row)
            ranking = sorted(({"name": name, "confidence": p} for name, p in by_intent.items()),
                             key=lambda r: -r["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True)
            self._select_responses(message, row)
        return messages

    def _by_intent(self, row: np.ndarray) -> dict[str, float]:
        """A row of class probabilities as intents: the FAQ's topics added up into "faq"."""
        by_intent: dict[str, float] = {}
        for name, p in zip(self.model["classifier"].classes_, row):
            intent = str(name).split(RESPONSE_IDENTIFIER_DELIMITER)[0]
            by_intent[intent] = by_intent.get(intent, 0.0) + float(p)
        return by_intent

    def _read_by_sentence(self, message: Message, by_intent: dict[str, float],
                          row: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
        """A longer message read sentence by sentence as well. Each sentence's likeliest intent
        (and FAQ topic) goes into the parse result as `sentences`, without its text, so an action
        can answer every question asked. When the whole message is unsure or small talk and a
        sentence is sure it asks for one of `sentence_intents`, the surest such sentence decides:
        the intents and the FAQ answer are as that sentence alone reads."""
        pieces = reader.sentences_to_read(message.get(TEXT) or "")
        if not pieces:
            return by_intent, row
        encoder = shared_encoder()
        rows = self.model["classifier"].predict_proba(
            self._features(pieces, [encoder.encode(piece)[2].reshape(-1) for piece in pieces]))
        readings = [self._by_intent(r) for r in rows]
        message.set("sentences", [{**self._sentence(reading, r), "question": reader.is_question(piece)}
                                  for piece, reading, r in zip(pieces, readings, rows)], add_to_output=True)
        top = max(by_intent, key=by_intent.get)
        if by_intent[top] >= self.config["sentence_decides_below"] and top not in self.config["small_talk"]:
            return by_intent, row
        sure = [(reading[intent], number) for number, reading in enumerate(readings)
                for intent in self.config["sentence_intents"]
                if reading.get(intent, 0.0) >= self.config["sentence_sure"] and reading[intent] > by_intent.get(intent, 0.0)]
        if not sure:
            return by_intent, row
        _, number = max(sure)
        return readings[number], rows[number]

    def _sentence(self, reading: dict[str, float], row: np.ndarray) -> dict[str, Any]:
        intent = max(reading, key=reading.get)
        sentence: dict[str, Any] = {"intent": intent, "confidence": reading[intent]}
        ranked = self._topics(row).get(intent)
        if ranked:
            sentence.update({"response": ranked[0][0], "response_confidence": ranked[0][1]})
        return sentence

    def _topics(self, probabilities: np.ndarray) -> dict[str, list[tuple[str, float]]]:
        """Each retrieval intent's topics, likeliest first, their probabilities renormalised among
        themselves: what a message's answer, and each sentence's, is chosen from."""
        by_retrieval_intent: dict[str, list[tuple[str, float]]] = {}
        for name, p in zip(self.model["classifier"].classes_, probabilities):
            name = str(name)
            if RESPONSE_IDENTIFIER_DELIMITER in name:
                retrieval_intent = name.split(RESPONSE_IDENTIFIER_DELIMITER)[0]
                by_retrieval_intent.setdefault(retrieval_intent, []).append((name, float(p)))
        ranked = {}
        for retrieval_intent, topics in by_retrieval_intent.items():
            total = sum(p for _, p in topics) or 1.0
            ranked[retrieval_intent] = sorted(((key, p / total) for key, p in topics), key=lambda kp: -kp[1])
        return ranked

    def _select_responses(self, message: Message, probabilities: np.ndarray) -> None:
        """Each retrieval intent's answer: its likeliest topic (`_topics`), in the shape Rasa's
        ResponseSelector gives."""
        by_retrieval_intent = self._topics(probabilities)
        if not by_retrieval_intent:
            return
        selected: dict[str, Any] = {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: sorted(by_retrieval_intent)}
        for retrieval_intent, ranked in by_retrieval_intent.items():
            key, confidence = ranked[0]
            selected[retrieval_intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    INTENT_RESPONSE_KEY: key,
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: p}
                    for k, p in ranked[: self.config["ranking_length"]]],
            }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selected, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.model, directory / MODEL_FILE)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                model = _read_model(directory / MODEL_FILE)
        except ValueError:  # Rasa's "resource does not exist": never trained, no intent examples
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)


def _read_model(path) -> dict[str, Any]:
    """The saved model, refused loudly if it holds anything we don't save (or can't be read):
    a broken model must stop the server, not leave every message to the fallback."""
    import skops.io as sio

    try:
        found = sio.get_untrusted_types(file=path)
        unexpected = set(found) - TRUSTED_TYPES
        if not unexpected:
            return sio.load(path, trusted=found)
    except (ValueError, OSError) as e:
        raise RuntimeError(f"{MODEL_FILE} could not be read: {e}") from e
    raise RuntimeError(f"{MODEL_FILE} holds unexpected types: {sorted(unexpected)}")
