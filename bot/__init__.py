"""The community groups assistant.

    core/       models, unit of work, settings, errors, crypto, outbox, routing, migrations
    journeys/   one service module per journey, the registry, the matcher, decidable requests
    slack/      input channels, the Bolt app, decisions, delivery, App Home, Block Kit
    nlu/        spaCy pipeline and the custom Rasa NLU components
    rasa_plumbing/  REST channel, action server, tracker store, Rasa launcher, button payloads
    cli.py      `community-bot`

Imports point down only: core <- journeys <- slack (and actions/, beside this package).
"""
