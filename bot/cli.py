"""The command line: ``python -m bot serve | cases | case show CLIENT | checklist check FILE | export``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.app import serve as serve_forever
from bot.app import services
from bot.config import Config, ConfigError
from bot.export import add_parser as add_export_parser
from bot.export import export
from dialogs.checklist import load_checklist
from dialogs.errors import OffboardError
from dialogs.present import CaseView
from dialogs.reasons import STATUS_WORDS
from storage.base import EventRecord


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for --help tests)."""
    p = argparse.ArgumentParser(prog="python -m bot", description="offboard: run the MSP offboarding SOP.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="start the server (web workspace, Slack, Teams as configured)")
    sub.add_parser("cases", help="list open cases with their progress")
    case = sub.add_parser("case", help="one case")
    case_sub = case.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    show = case_sub.add_parser("show", help="a case's state and timeline")
    show.add_argument("client", help="client name (any case and spacing)")
    checklist = sub.add_parser("checklist", help="checklist files")
    cl_sub = checklist.add_subparsers(dest="checklist_command", required=True, metavar="ACTION")
    check = cl_sub.add_parser("check", help="validate a checklist file and summarize it")
    check.add_argument("file")
    add_export_parser(sub)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
         environ: dict[str, str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        if args.command == "checklist":
            return check_checklist(args.file, out)
        config = Config.load(environ)
        if args.command == "serve":
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve_forever(config))
            print("offboard stopped.", file=out)
            return 0
        if args.command == "cases":
            return asyncio.run(list_cases(config, out))
        if args.command == "export":
            return asyncio.run(export(config, args, out, err))
        return asyncio.run(show_case(config, args.client, out, err))
    except (OffboardError, ConfigError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    except OSError as exc:  # e.g. the port is taken, the database directory cannot be made
        print(f"error: {exc}", file=err)
        return 2
    except sqlite3.Error as exc:  # e.g. OFFBOARD_DATABASE is not an SQLite file
        print(f"error: database {config.database}: {exc}", file=err)
        return 2


def check_checklist(file: str, out: TextIO) -> int:
    """Validate a checklist file and print its steps with item counts."""
    checklist = load_checklist(file)
    print(f"{file}: OK — checklist {checklist.id!r}, {len(checklist.items)} items, "
          f"{len(checklist.header)} header fields", file=out)
    for step in checklist.steps:
        kinds: dict[str, int] = {}
        for item in step.items:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(f"  step {step.number} {step.id} ({checklist.department_label(step.department)}): "
              f"{len(step.items)} items — {detail}", file=out)
    return 0


async def list_cases(config: Config, out: TextIO) -> int:
    """Open cases with their progress per step."""
    async with services(config) as svc:
        cases = await svc.store.list_cases("open")
        if not cases:
            print("No open cases.", file=out)
        for case in cases:
            summary = (await svc.engine.view(case.id)).summary(svc.engine.today())
            steps = "  ".join(f"{s.number}:{s.done}/{s.total}" for s in summary.steps)
            print(f"{case.id}  {case.client}  stops {summary.stop_date or '-'}  "
                  f"with {summary.holder or '-'}  {steps}", file=out)
    return 0


async def show_case(config: Config, client: str, out: TextIO, err: TextIO) -> int:
    """A case's header, every item's state, and the timeline."""
    async with services(config) as svc:
        case = await svc.engine.find_case(client)
        if case is None:
            print(f"error: no case for client {client!r}", file=err)
            return 1
        view: CaseView = await svc.engine.view(case.id)
        summary = view.summary(svc.engine.today())
        print(f"{summary.title} — case {case.id}, {case.status}", file=out)
        for label, value in summary.header:
            print(f"  {label}: {value}", file=out)
        for step in view.checklist.steps:
            card = view.card(step.id)
            print(f"\n{card.title} [{card.status}, {card.done}/{card.total}]", file=out)
            for item in card.items:
                extra = item.value_text or item.reason or ""
                who = f" — {item.answered_by} {item.answered_at}" if item.answered_by else ""
                state = STATUS_WORDS.get(item.status, item.status)
                print(f"  {'  ' * item.depth}[{state}] {item.text}"
                      f"{': ' + extra if extra else ''}{who}", file=out)
        print("\nTimeline:", file=out)
        for event in await svc.store.get_events(case.id):
            print("  " + timeline_line(event, view), file=out)
    return 0


def timeline_line(event: EventRecord, view: CaseView) -> str:
    """One event in words."""
    who = event.actor.get("name", "?")
    what = event.kind.replace("_", " ")
    item = f" “{view.text(event.item_id)}”" if event.item_id in view.checklist.items else ""
    note = f" ({event.note})" if event.note else ""
    return f"{event.at:%Y-%m-%d %H:%M:%S} {who}: {what}{item}{note}"
