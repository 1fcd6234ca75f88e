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

from bot.nlu.sentence_encoder import ModelMissing, SentenceEncoder, model_dir, shared_encoder

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "minilm_reference.json").read_text())


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

    from bot.nlu.sentence_features import SentenceEncoderFeaturizer

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


def test_tokens_split_inside_a_word_each_get_their_own_pieces(encoder):
    # spaCy splits "2pm" and "can't" where BERT's tokenizer does not; every token must still
    # get the vectors of the characters it covers, none left empty.
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.sentence_features import SentenceEncoderFeaturizer

    text = "2pm can't"
    tokens = [Token("2", 0), Token("pm", 1), Token("ca", 4), Token("n't", 6)]
    message = Message(data={TEXT: text, TOKENS_NAMES[TEXT]: tokens})
    SentenceEncoderFeaturizer({**SentenceEncoderFeaturizer.get_default_config()}, "minilm",
                              encoder=encoder).process([message])

    sequence = message.get_dense_features(TEXT)[0].features
    pieces, hidden, _ = encoder.encode(text)
    by_text = {text[p.start:p.end]: hidden[i] for i, p in enumerate(pieces) if p.end > p.start}
    assert np.allclose(sequence[0], by_text["2"]) and np.allclose(sequence[1], by_text["pm"])
    assert np.allclose(sequence[3], np.mean([by_text["'"], by_text["t"]], axis=0))
    assert all(np.linalg.norm(row) > 0 for row in sequence)


def test_weights_that_are_not_the_published_model_are_refused(tmp_path):
    for source in model_dir().iterdir():
        if source.is_file() and source.name != "model.safetensors":
            (tmp_path / source.name).symlink_to(source)
    (tmp_path / "model.safetensors").write_bytes(b"something else")
    with pytest.raises(ModelMissing, match="not all-MiniLM-L6-v2 as published"):
        SentenceEncoder(tmp_path)
