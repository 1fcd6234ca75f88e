"""One service module per journey, plus the registry, the group matcher and the table of
requests someone decides. Each use case is a small function: plain values in, one unit of
work, plain views and structured notices out, a domain error for what a person can fix.
Imports the core (and the spaCy pipeline from bot.nlu for matching), never Slack or Rasa."""
