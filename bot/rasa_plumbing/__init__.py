"""Rasa-facing set-up that is neither NLU nor Slack: the REST channel for development, the
action server, the tracker store chosen from settings, the launcher `make` runs Rasa through,
and the button payloads Rasa reads as intents."""
