"""A quick cross-validation of the intent classifier alone (bot/nlu/intent_classifier.py with
the MiniLM sentence vectors and its sentence reading; no DIET, no FallbackClassifier): intent
accuracy and FAQ-key accuracy in 3 seeded folds, a few minutes where `make nlu-eval` takes much
longer. Reads the NLU data of the checkout given (default: this one), so two versions of data/
are compared with the same code and the same folds:

    .venv/bin/python scripts/intent_cv.py [CHECKOUT]
"""
import glob
import random
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import yaml  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402
from rasa.shared.nlu.constants import INTENT, TEXT, INTENT_RESPONSE_KEY  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from bot.nlu.intent_classifier import LinearIntentClassifier  # noqa: E402
from bot.nlu.sentence_encoder import shared_encoder  # noqa: E402
from bot.nlu.sentence_features import SentenceEncoderFeaturizer  # noqa: E402

root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
examples = []
for f in sorted(glob.glob(str(root / "data/nlu/*.yml"))):
    for item in (yaml.safe_load(open(f)).get("nlu") or []):
        if "intent" not in item: continue
        for ex in item["examples"].splitlines():
            ex = ex.strip()
            if ex.startswith("- "):
                examples.append((re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", ex[2:]).strip(), item["intent"]))
random.Random(0).shuffle(examples)
enc = shared_encoder()
def featurize(pairs):
    msgs = []
    for text, full in pairs:
        intent, _, key = full.partition("/")
        data = {TEXT: text, INTENT: intent}
        if key: data[INTENT_RESPONSE_KEY] = full
        msgs.append(Message(data=data))
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(msgs)
    SentenceEncoderFeaturizer(SentenceEncoderFeaturizer.get_default_config(), "minilm", encoder=enc).process(msgs)
    return msgs
allm = featurize(examples)
folds = 3
right = keys = keys_right = 0
for k in range(folds):
    train = [m for i, m in enumerate(allm) if i % folds != k]
    test_pairs = [p for i, p in enumerate(examples) if i % folds == k]
    st = LocalModelStorage(Path(tempfile.mkdtemp()))
    c = LinearIntentClassifier.create({"featurizers": ["minilm"]}, st, Resource("intents"), None)
    c.train(TrainingData(train))
    out = c.process(featurize(test_pairs))
    for (text, full), m in zip(test_pairs, out):
        intent = full.split("/")[0]
        right += m.get(INTENT)["name"] == intent
        if "/" in full:
            keys += 1
            chosen = (m.get("response_selector") or {}).get("faq", {}).get("response", {}).get("intent_response_key")
            keys_right += chosen == full
print(f"{root}: {len(examples)} examples, intent accuracy {right/len(examples):.3f}, FAQ key accuracy {keys_right/keys:.3f} ({keys} FAQ examples)")
