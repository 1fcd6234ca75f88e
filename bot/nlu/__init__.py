"""The NLU pieces Rasa loads from config.yml (sentence encoder and featurizer, intent
classifier, long-message guard) and the project's spaCy pipeline."""
