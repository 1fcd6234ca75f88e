"""Rasa SDK actions: thin adapters that read the tracker, call a bot/ service and utter the result."""
