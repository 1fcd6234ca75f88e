"""The NumPy MiniLM encoder gives what the reference implementation gives, and the Rasa
featurizer built on it hands DIET one vector per token and one per sentence.

tests/fixtures/minilm_reference.json was written once by sentence-transformers (PyTorch) from
the same installed weights; its header says how. If our tokenizer or forward pass drifts,
the vectors move and these tests fail."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.sentence_encoder import shared_encoder

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: c["text"][:30] or "empty")
def test_same_word_pieces_and_vector_as_sentence_transformers(encoder, case):
    pieces, hidden, sentence = encoder.encode(case["text"])
    assert [p.id for p in pieces] == case["input_ids"]
    assert hidden.shape == (len(pieces), 384)
    assert float(np.dot(sentence, np.array(case["embedding"]))) > 0.99999
    assert np.abs(sentence - np.array(case["embedding"])).max() < 1e-5


def test_paraphrases_are_closer_than_unrelated_requests(encoder):
    def vector(text):
        return encoder.encode(text)[2]

    invite = vector("how can I get into a private group")
    assert np.dot(invite, vector("request an invite to a closed community")) > \
        np.dot(invite, vector("what's the weather like tomorrow"))


def test_very_long_text_is_cut_to_the_models_length(encoder):
    pieces, hidden, sentence = encoder.encode("community " * 2000)
    assert len(pieces) == 256 and hidden.shape == (256, 384)
    assert abs(float(np.linalg.norm(sentence)) - 1.0) < 1e-5


def test_featurizer_gives_each_token_and_the_sentence_a_vector(encoder):
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.sentence_features import SentenceEncoderFeaturizer

    featurizer = SentenceEncoderFeaturizer(
        {**SentenceEncoderFeaturizer.get_default_config()}, "minilm", encoder=encoder)
    message = Message(data={TEXT: "join Women-in-Tech please"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])

    tokens = message.get(TOKENS_NAMES[TEXT])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence.features.shape == (len(tokens), 384)
    assert sentence.features.shape == (1, 384)
    assert np.abs(sentence.features[0] - encoder.encode("join Women-in-Tech please")[2]).max() < 1e-6
    # every token got the vectors of its own word pieces, none was left empty
    assert all(np.linalg.norm(row) > 0 for row in sequence.features)
