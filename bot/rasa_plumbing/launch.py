"""`python -m bot.rasa_plumbing.launch ARGS` runs `rasa ARGS` with third parties' start-up
noise silenced, so `make run` shows its own steps and Rasa's progress, not pages of
warnings nobody here can act on.

PYTHONWARNINGS alone can't do it: importing Sanic 21.12 (Rasa's web server) inserts
`filterwarnings("once", DeprecationWarning)` ahead of it, and Rasa's start-up puts its own
filters in front again, so ours go into Rasa's list."""
from __future__ import annotations

import os
import sys
import warnings


def with_api_token(argv: list[str], environ) -> list[str]:
    """The HTTP API's token from RASA_API_TOKEN, added here so it never shows in `ps`."""
    given = any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv)
    if "--enable-api" in argv and not given and environ.get("RASA_API_TOKEN"):
        # One argument with "=": a token that starts with "-" is still read as the token.
        return [*argv, f"--auth-token={environ['RASA_API_TOKEN']}"]
    return list(argv)


def use_our_terminal_channel() -> None:
    """The terminal chat gets our channel's namespace and bounds instead of Rasa's `cmdline`,
    which takes any sender id from anyone who reaches its port."""
    from rasa.core import channels

    from bot.rasa_plumbing.rest import LocalCmdlineInput

    channels.BUILTIN_CHANNELS["cmdline"] = LocalCmdlineInput


# Rasa commands that serve conversations, and so may store a case: not `train` or `data validate`.
SERVING = ("run", "shell")


def refuse_without_key(argv: list[str]) -> None:
    """Exit before Rasa starts when it would serve against a shared database without a case key."""
    if argv[1:2] and argv[1] in SERVING:
        from bot.core.crypto import KeyNotConfigured, require_key
        from bot.core.settings import load_settings

        try:
            require_key(load_settings())
        except KeyNotConfigured as missing:
            print(str(missing), file=sys.stderr)
            sys.exit(2)


def main() -> None:
    refuse_without_key(sys.argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's CUDA and CPU-feature notices
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")  # Rasa's tracker store on SQLAlchemy 1.4
    import rasa.__main__ as rasa_cli  # imports Sanic, which turns deprecation warnings back on
    from rasa.utils.common import EXPECTED_WARNINGS

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    # Rasa's own list of warnings it expects: it re-sets its filters from it at start-up, after
    # making every UserWarning show "once", which would bring back pyparsing's deprecations
    # (they are UserWarnings too).
    EXPECTED_WARNINGS.extend([
        (DeprecationWarning, ""),
        # the actions send the domain's responses by name, which Rasa's check can't see.
        (UserWarning, "The utterance '.*' is not used in any story or rule"),
        # the intent classifier answers the FAQ in the ResponseSelector's place (config.yml).
        (UserWarning, "You have defined training data with examples for training a response selector"),
    ])
    if sys.argv[1:2] != ["data"]:  # `rasa data validate` still says it; elsewhere it is only noise:
        # a retrieval intent whose responses live in data/ counts as defined twice.
        EXPECTED_WARNINGS.append((UserWarning, "The following duplicated intents have been found"))
    use_our_terminal_channel()
    sys.argv = with_api_token(sys.argv, os.environ)
    rasa_cli.main()


if __name__ == "__main__":
    main()
