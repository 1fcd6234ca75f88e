"""The intent classifier learns from examples, survives being saved into a Rasa model and
loaded back, ranks intents with probabilities the FallbackClassifier can use, and refuses a
model file that holds anything other than what it saves."""
from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import MODEL_FILE, LinearIntentClassifier
from bot.nlu.sentence_encoder import shared_encoder
from bot.nlu.sentence_features import SentenceEncoderFeaturizer

EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hey"],
    "find_group": ["is there a group for parents", "what groups are there", "find a group about climate",
                   "show me the networks"],
    "raise_issue": ["I want to report something", "raise a concern", "I need to flag a problem in our group",
                    "report behaviour at an event"],
}


def featurize(messages: list[Message]) -> list[Message]:
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    SentenceEncoderFeaturizer(SentenceEncoderFeaturizer.get_default_config(), "minilm",
                              encoder=shared_encoder()).process(messages)
    return messages


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(storage) -> LinearIntentClassifier:
    messages = featurize([Message(data={TEXT: text, INTENT: intent})
                          for intent, texts in EXAMPLES.items() for text in texts])
    classifier = LinearIntentClassifier.create({}, storage, Resource("intents"), None)
    classifier.train(TrainingData(messages))
    return classifier


def test_saved_and_loaded_classifier_recognises_new_phrasings(storage):
    trained(storage)
    loaded = LinearIntentClassifier.load({}, storage, Resource("intents"), None)

    [report, hello] = loaded.process(featurize([Message(data={TEXT: "I'd like to report an incident"}),
                                                Message(data={TEXT: "hiya"})]))

    assert report.get(INTENT)["name"] == "raise_issue"
    assert hello.get(INTENT)["name"] == "greet"
    ranking = report.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "raise_issue" and len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


class NotOurs:
    """Stands for whatever someone might put in a model file: loading it would run its code."""


def test_model_file_with_unexpected_contents_is_refused(storage):
    import skops.io as sio

    trained(storage)
    with storage.write_to(Resource("intents")) as directory:
        sio.dump({"classifier": NotOurs()}, directory / MODEL_FILE)

    with pytest.raises(RuntimeError, match="unexpected types"):
        LinearIntentClassifier.load({}, storage, Resource("intents"), None)


def test_untrained_classifier_leaves_every_message_to_the_fallback(storage):
    classifier = LinearIntentClassifier.load({}, storage, Resource("never-trained"), None)
    [message] = classifier.process(featurize([Message(data={TEXT: "hello"})]))
    assert message.get(INTENT) == {"name": None, "confidence": 0.0}


@pytest.mark.parametrize("text", ["   ", "?", "...!"])
def test_message_without_words_gets_no_confidence_so_the_fallback_asks(storage, text):
    [message] = trained(storage).process(featurize([Message(data={TEXT: text})]))
    assert message.get(INTENT)["name"] in EXAMPLES
    assert message.get(INTENT)["confidence"] == 0.0
    assert len(message.get("intent_ranking")) == 3


def test_an_emoji_alone_is_content(storage):
    # Unlike "?", an emoji is something to classify (a thumbs-up is a yes): it keeps the
    # model's confidence instead of being zeroed.
    [thumbs] = trained(storage).process(featurize([Message(data={TEXT: "👍"})]))
    assert thumbs.get(INTENT)["confidence"] > 0.0


def trained_with_faq(storage, name: str):
    """A classifier trained on EXAMPLES and two FAQ topics, and what the saved one makes of a
    budget question and a group-types question."""
    faq = {"faq/social_budget": ["is there money for socials", "how much social budget do groups get",
                                 "can the company pay for our social"],
           "faq/group_types": ["what is a closed group", "what does open mean for a group",
                               "difference between open and closed groups"]}
    messages = [Message(data={TEXT: text, INTENT: intent})
                for intent, texts in EXAMPLES.items() for text in texts]
    messages += [Message(data={TEXT: text, INTENT: "faq", INTENT_RESPONSE_KEY: key})
                 for key, texts in faq.items() for text in texts]
    classifier = LinearIntentClassifier.create({}, storage, Resource(name), None)
    classifier.train(TrainingData(featurize(messages)))
    return classifier, LinearIntentClassifier.load({}, storage, Resource(name), None).process(
        featurize([Message(data={TEXT: "is there a budget for our social"}),
                   Message(data={TEXT: "what's a closed group"})]))


def test_a_retrieval_intent_is_ranked_once_whichever_topic_it_is(storage):
    # The FAQ's topics are learnt one by one but answer as the one intent the FAQ answer
    # and the rules expect: "faq", with the topics' probabilities added up.
    classifier, (budget, kinds) = trained_with_faq(storage, "intents")
    assert {"faq/social_budget", "faq/group_types"} <= set(classifier.model["classifier"].classes_)

    for message in (budget, kinds):
        names = [r["name"] for r in message.get("intent_ranking")]
        assert names[0] == "faq" and sorted(names) == ["faq", "find_group", "greet", "raise_issue"]
        assert abs(sum(r["confidence"] for r in message.get("intent_ranking")) - 1.0) < 1e-6


def test_the_faq_answer_is_the_likeliest_faq_topic_in_the_response_selectors_place(storage):
    # No ResponseSelector in config.yml: this classifier's topic choice is what `utter_faq`
    # and `rasa test nlu` read, in the shape the ResponseSelector writes.
    _, (budget, kinds) = trained_with_faq(storage, "faq-answers")

    for message, expected in ((budget, "faq/social_budget"), (kinds, "faq/group_types")):
        selected = message.get("response_selector")
        assert selected["all_retrieval_intents"] == ["faq"]
        response = selected["faq"]["response"]
        assert response["intent_response_key"] == expected
        assert response["utter_action"] == f"utter_{expected}"
        ranking = selected["faq"]["ranking"]
        assert [r["intent_response_key"] for r in ranking][0] == expected
        assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
        assert response["confidence"] == ranking[0]["confidence"] > 0.5


def test_without_faq_examples_there_is_no_answer_to_select(storage):
    messages = [Message(data={TEXT: text, INTENT: intent})
                for intent, texts in EXAMPLES.items() for text in texts]
    classifier = LinearIntentClassifier.create({}, storage, Resource("no-faq"), None)
    classifier.train(TrainingData(featurize(messages)))
    [message] = classifier.process(featurize([Message(data={TEXT: "hello there"})]))
    assert message.get("response_selector") is None



@pytest.mark.parametrize("weight, read_right", [(2.0, True), (0.0, False)])
def test_a_sign_never_seen_is_read_as_the_signs_it_shares_a_meaning_with(storage, weight, read_right):
    # ":+1:" and ":thumbsdown:" are in no example, but they are signs of yes and no as the emoji are.
    examples = {"affirm": ["yes", "sure", "👍", "yes please", "go ahead"],
                "deny": ["no", "nope", "👎", "no thanks", "not now"], **EXAMPLES}
    training = featurize([Message(data={TEXT: t, INTENT: i}) for i, ts in examples.items() for t in ts])
    config = {"sign_weight": weight}
    classifier = LinearIntentClassifier.create(config, storage, Resource(f"signs-{weight}"), None)
    classifier.train(TrainingData(training))
    up, down = LinearIntentClassifier.load(config, storage, Resource(f"signs-{weight}"), None).process(
        featurize([Message(data={TEXT: ":+1:"}), Message(data={TEXT: ":thumbsdown:"})]))
    assert (up.get(INTENT)["name"] == "affirm" and down.get(INTENT)["name"] == "deny") is read_right



def read_both_ways(storage, text: str) -> tuple[Message, Message]:
    """`text` read by the classifier, and by the same model with sentence reading turned off."""
    classifier = trained(storage)
    whole_only = LinearIntentClassifier({**classifier.config, "sentence_intents": []}, storage, Resource("intents"),
                                        classifier.model)
    [message] = classifier.process(featurize([Message(data={TEXT: text})]))
    [as_a_whole] = whole_only.process(featurize([Message(data={TEXT: text})]))
    return message, as_a_whole


def test_the_sentence_that_asks_decides_when_the_whole_message_reads_as_small_talk(storage):
    """Greetings first, the request last: read as a whole, the greetings drown it."""
    message, as_a_whole = read_both_ways(storage, "hello hello hey, good morning to you, hi there friend. "
                                                  "I want to report something")
    assert as_a_whole.get(INTENT)["name"] == "greet"
    assert message.get(INTENT)["name"] == "raise_issue" and message.get(INTENT)["confidence"] > 0.8
    # Each sentence's reading is in the parse result, never its words.
    assert [(s["intent"], s["question"]) for s in message.get("sentences")] == [("greet", False), ("raise_issue", False)]
    assert "report" not in repr(message.get("sentences"))


def test_no_sentence_makes_a_message_small_talk_and_a_sure_whole_message_stands(storage):
    message, as_a_whole = read_both_ways(storage, "I need to flag a problem in our group. hello hello hey, good morning")
    assert message.get(INTENT) == as_a_whole.get(INTENT) and message.get(INTENT)["name"] == "raise_issue"
    assert [s["intent"] for s in message.get("sentences")] == ["raise_issue", "greet"]
