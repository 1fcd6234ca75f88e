"""`community-bot`: administer the registry and the database.

    community-bot db upgrade
    community-bot registry import [FILE] [--if-empty]
    community-bot registry export [--output FILE]
    community-bot registry list [--all]
    community-bot onboarding send USER [USER ...]
    community-bot outbox list [--all] | deliver | failed
    community-bot nudges
    community-bot purge [--dry-run]
    community-bot keys new | rotate
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

# spaCy's thinc imports TensorFlow, whose start-up notices and third parties' deprecation
# warnings would bury the command's own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore", category=DeprecationWarning)

from bot import bootstrap
from bot.bootstrap import Wiring
from bot.core import db, routing
from bot.core.errors import DomainError, RegistryFileInvalid
from bot.core.settings import load_settings
from bot.journeys import registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="community-bot", description="Community groups assistant administration")
    commands = parser.add_subparsers(dest="area", required=True)

    db_parser = commands.add_parser("db", help="database schema")
    db_commands = db_parser.add_subparsers(dest="command", required=True)
    db_commands.add_parser("upgrade", help="apply every migration (creates the database if needed)")

    reg = commands.add_parser("registry", help="the group registry")
    reg_commands = reg.add_subparsers(dest="command", required=True)
    imp = reg_commands.add_parser("import", help="replace the registry with a YAML file (all or nothing)")
    imp.add_argument("file", type=Path, nargs="?", help="default: REGISTRY_FILE, else registry/demo.yml")
    imp.add_argument("--if-empty", action="store_true", help="only import when no group is registered yet")
    exp = reg_commands.add_parser("export", help="write the registry as YAML")
    exp.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    lst = reg_commands.add_parser("list", help="list the groups")
    lst.add_argument("--all", action="store_true", help="include retired groups")

    onboarding = commands.add_parser("onboarding", help="welcome new members with the directory")
    onboarding_commands = onboarding.add_subparsers(dest="command", required=True)
    send = onboarding_commands.add_parser("send", help="queue the welcome DM for these Slack user ids and send it")
    send.add_argument("users", nargs="+", metavar="USER", help="Slack user id, e.g. U0123ABCD")

    out = commands.add_parser("outbox", help="notifications waiting for Slack")
    out_commands = out.add_subparsers(dest="command", required=True)
    out_list = out_commands.add_parser("list", help="the notifications waiting for Slack, as their recipients will see them")
    out_list.add_argument("--all", action="store_true", help="include those already sent or failed")
    out_commands.add_parser("deliver", help="send what is due now (the server also does this by itself)")
    out_commands.add_parser("failed", help="list notifications that could not be delivered")

    commands.add_parser("nudges", help="remind organisers of invite requests and handlers of cases left waiting, "
                        "and escalate old ones").set_defaults(command="send")

    purge = commands.add_parser("purge", help="forget what has outlived its retention period (the server also does "
                                "this by itself)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(command="purge")

    report = commands.add_parser("report", help="how the confidential cases are going: by category and quarter, "
                                 "acknowledged in time, days to close (counts under 5 shown as 'fewer than 5')")
    report.add_argument("--team", choices=routing.CASE_TEAMS, help="one team's cases (default: both)")

    keys = commands.add_parser("keys", help="the keys that encrypt confidential cases")
    keys_commands = keys.add_subparsers(dest="command", required=True)
    keys_commands.add_parser("new", help="print a fresh key, to put first in CASE_ENCRYPTION_KEY")
    keys_commands.add_parser("rotate", help="re-encrypt every case narrative, exclusion, outcome and note to the "
                             "first key in CASE_ENCRYPTION_KEY")
    return parser


PURGED = {
    "abandoned_drafts": "abandoned case draft(s)", "expired_prompts": "expired wait(s) for confidential text",
    "invite_requests": "decided invite request(s)", "support_requests": "decided support request(s)",
    "group_proposals": "decided group proposal(s)", "closed_cases": "closed case(s)",
    "case_notes": "note(s) on closed cases", "case_messages": "message(s) on closed cases",
    "audit_entries": "audit log row(s)",
    "outbox_payloads_stripped": "delivered notification text(s) stripped",
    "outbox_rows": "old delivered or failed notification(s)",
}


def _purge(wiring: Wiring, dry_run: bool) -> None:
    from bot.journeys.retention import purge

    counts = purge(wiring.uow(), wiring.settings, dry_run=dry_run)
    print("Would remove:" if dry_run else "Removed:")
    for kind, label in PURGED.items():
        print(f"  {counts.get(kind, 0):>6}  {label}")


def _rotate_keys(wiring: Wiring) -> int:
    from bot.journeys.case_keys import RotationStopped, rotate_all

    try:
        counts = rotate_all(wiring.uow)
    except RotationStopped as stopped:
        print(str(stopped), file=sys.stderr)
        counts, code = stopped.counts, 1
    else:
        code = 0
    print("Re-encrypted to the newest key: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + ".")
    return code


def _deliver(wiring: Wiring) -> None:
    from bot.slack.delivery import deliver_due

    if not wiring.settings.slack_bot_token:
        print("SLACK_BOT_TOKEN is not set, so notifications stay queued until Slack is configured.")
        return
    report = deliver_due(wiring.uow, wiring.slack, wiring.settings)
    print(f"Delivered {len(report.sent)}; {len(report.retrying)} will be retried; {len(report.failed)} failed.")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.area == "keys" and args.command == "new":
            from cryptography.fernet import Fernet

            print(Fernet.generate_key().decode())
            return 0
        settings = load_settings()
        if args.area == "db":
            db.upgrade(settings.database_url)
            print("Database is up to date.")
            return 0
        db.check_ready(settings.database_url)
        wiring = bootstrap.build(settings)
        if args.area == "registry" and args.command == "import":
            args.file = args.file or settings.registry_file
            if not args.file.is_file():
                print(f"No such file: {args.file}", file=sys.stderr)
                return 2
            summary = registry.import_registry_file(args.file, wiring.uow(), only_if_empty=args.if_empty)
            if summary is None:
                print("The registry already has groups; nothing imported.")
            else:
                print(f"Imported {args.file}: {summary.groups_added} groups added, {summary.groups_updated} updated, "
                      f"{summary.groups_retired} retired; {summary.contacts} contacts; {summary.events} calendar events.")
        elif args.area == "registry" and args.command == "export":
            text = registry.export_registry(wiring.uow())
            if args.output:
                args.output.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        elif args.area == "registry" and args.command == "list":
            groups = registry.list_groups(wiring.uow(), include_retired=args.all)
            if not groups:
                print("No groups registered. Import one with: community-bot registry import FILE")
            for g in groups:
                status = "" if g.status == "active" else f"  ({g.status})"
                print(f"{g.name:<42} {g.type:<7} {g.slug}{status}")
        elif args.area == "onboarding":
            from bot.journeys.onboarding import welcome

            queued = welcome(args.users, wiring.uow())
            already = len(set(args.users)) - len(queued)
            print(f"Queued a welcome for {len(queued)} user(s)" + (f"; {already} already welcomed." if already else "."))
            _deliver(wiring)
        elif args.area == "outbox" and args.command == "list":
            from bot.slack.delivery import queued_notices

            notices = queued_notices(wiring.uow(), include_done=args.all)
            if not notices:
                print("No notifications waiting." if not args.all else "No notifications yet.")
            for line in notices:
                print(line)
        elif args.area == "outbox" and args.command == "deliver":
            _deliver(wiring)
        elif args.area == "outbox":
            from bot.slack.delivery import failed_messages

            failed = failed_messages(wiring.uow())
            if not failed:
                print("No failed notifications.")
            for line in failed:
                print(line)
        elif args.area == "nudges":
            from bot.journeys.invite_request import nudge_waiting_invites

            from bot.journeys.case_deadlines import nudge_cases

            print(f"Queued {nudge_waiting_invites(wiring.uow(), settings)} invite reminder(s) and "
                  f"{nudge_cases(wiring.uow(), settings)} case notice(s).")
            _deliver(wiring)
        elif args.area == "purge":
            _purge(wiring, args.dry_run)
        elif args.area == "report":
            from bot.journeys.case_figures import case_figures, figures_text

            print(figures_text(case_figures(wiring.uow(), [args.team] if args.team else None)))
        elif args.area == "keys":
            return _rotate_keys(wiring)
    except RegistryFileInvalid as exc:
        print(f"{args.file}: nothing was imported.", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except DomainError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
