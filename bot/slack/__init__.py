"""Everything Slack: the Rasa input channels, the Bolt app and its listeners, the decision
buttons and modals, outbox delivery, App Home, and the rendering of notices into text and
Block Kit (the one place user-typed values are escaped)."""
