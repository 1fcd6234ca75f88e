"""Application core of the community groups assistant. Knows nothing of Rasa,
except the Slack input channels that Rasa loads from credentials.yml."""
