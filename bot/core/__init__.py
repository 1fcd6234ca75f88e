"""The application core: models, unit of work, settings, errors, crypto, references, audit,
outbox, routing, input limits and the Alembic migrations. Imports neither Rasa nor Slack, nor anything
above it (journeys, slack, nlu)."""
