"""Rasa-facing set-up that is neither NLU nor Slack: the tracker store chosen from settings."""
