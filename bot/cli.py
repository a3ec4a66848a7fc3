"""The command line: ``python -m bot serve [--workers N] | work | cases [--overdue] | status |
case show|reopen|date | checklist check | export | outbox [retry ID] | migrate-to URL | teams-package``.

What it prints from stored data never carries a raw control character.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.app import Services, services
from bot.app import serve as serve_forever
from bot.app import work as work_until_stopped
from bot.config import Config, ConfigError
from bot.export import add_parser as add_export_parser
from bot.export import export
from bot.migrate import add_parser as add_migrate_parser
from bot.migrate import migrate_to
from bot.outbox_cli import add_parser as add_outbox_parser
from bot.outbox_cli import outbox
from bot.teams_package import add_parser as add_teams_package_parser
from bot.teams_package import teams_package
from dialogs.actor import Actor
from dialogs.attention import late_items
from dialogs.checklist_loader import load_checklist
from dialogs.errors import OffboardError
from dialogs.names import printable
from dialogs.present import CaseView
from dialogs.reasons import STATUS_WORDS
from storage.base import CaseRecord, EventRecord, StoreError
from storage.locations import describe


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for --help tests)."""
    p = argparse.ArgumentParser(prog="python -m bot", description="offboard: run the MSP offboarding SOP.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="start the server (web workspace, Slack, Teams as configured)")
    serve.add_argument("--workers", type=int, default=0, metavar="N",
                       help="apply clicks and deliver messages in N worker processes of their own, so "
                            "the server only answers (0, the default: all in this one process)")
    work = sub.add_parser("work", help="a worker process (started by serve --workers): applies kept clicks, "
                                       "delivers messages, sends reminders; serves nothing")
    work.add_argument("--nice", type=int, default=0, metavar="N",
                      help="lower this process's CPU priority by N (serve --workers starts its workers "
                           "with 5, so answering Slack comes first when the machine is busy)")
    work.add_argument("--wake-on-stdin", action="store_true",
                      help="take kept requests when a byte arrives on standard input, and stop when it "
                           "closes (how serve --workers talks to its workers)")
    cases = sub.add_parser("cases", help="list open cases with their progress")
    cases.add_argument("--overdue", action="store_true",
                       help="only cases with items past their due time, and those items")
    cases.add_argument("--page", type=int, default=1, help="which page, newest first (1 by default)")
    cases.add_argument("--per-page", type=int, default=LIST_PAGE, help=f"cases a page ({LIST_PAGE})")
    cases.add_argument("--all", action="store_true", help="every open case, not one page")
    case = sub.add_parser("case", help="one case")
    case_sub = case.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    show = case_sub.add_parser("show", help="a case's state and timeline")
    show.add_argument("client", help="client name (any case and spacing) or case id")
    reopen = case_sub.add_parser("reopen", help="reopen a cancelled or completed case, with a reason")
    reopen.add_argument("client", help="client name or case id")
    reopen.add_argument("--reason", required=True, help="why it is reopened (recorded in its history)")
    moved = case_sub.add_parser("date", help="move a date of an open case (the service stop date); due dates "
                                             "follow")
    moved.add_argument("client", help="client name or case id")
    moved.add_argument("date", help="the new date, YYYY-MM-DD")
    moved.add_argument("--reason", required=True, help="why it moves (recorded, and said in the case thread)")
    moved.add_argument("--field", default="stop_date", help="which date of the header (default: stop_date)")
    status = sub.add_parser("status", help="where a client's case stands")
    status.add_argument("client", help="client name (any case and spacing) or case id")
    checklist = sub.add_parser("checklist", help="checklist files")
    cl_sub = checklist.add_subparsers(dest="checklist_command", required=True, metavar="ACTION")
    check = cl_sub.add_parser("check", help="validate a checklist file and summarize it")
    check.add_argument("file")
    add_export_parser(sub)
    add_outbox_parser(sub)
    add_migrate_parser(sub)
    add_teams_package_parser(sub)
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
            if args.workers < 0:
                raise ConfigError(f"--workers must be 0 or more, not {args.workers}")
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve_forever(config, args.workers))
            print("offboard stopped.", file=out)
            return 0
        if args.command == "work":
            if args.nice:
                os.nice(args.nice)
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)s worker %(name)s: %(message)s")
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(work_until_stopped(config, args.wake_on_stdin))
            return 0
        if args.command == "cases":
            if args.overdue:
                return asyncio.run(overdue_cases(config, out))
            return asyncio.run(list_cases(config, out, err, page=args.page, per_page=args.per_page,
                                          every=args.all))
        if args.command == "export":
            return asyncio.run(export(config, args, out, err))
        if args.command == "outbox":
            return asyncio.run(outbox(config, args, out, err))
        if args.command == "migrate-to":
            return asyncio.run(migrate_to(config, args.target, out, err))
        if args.command == "teams-package":
            return teams_package(config, args, out)
        if args.command == "status":
            return asyncio.run(case_status(config, args.client, out, err))
        if args.case_command == "reopen":
            return asyncio.run(reopen_case(config, args.client, args.reason, out, err))
        if args.case_command == "date":
            return asyncio.run(move_date(config, args, out, err))
        return asyncio.run(show_case(config, args.client, out, err))
    except (OffboardError, ConfigError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    except OSError as exc:  # e.g. the port is taken, the database directory cannot be made
        print(f"error: {exc}", file=err)
        return 2
    except (StoreError, ValueError) as exc:  # e.g. OFFBOARD_DATABASE is not a database, or unreachable
        print(f"error: database {describe(config.database)}: {exc}", file=err)
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
        due = f"; due {step.due.describe()}" if step.due else ""
        own = [i for i in step.items if i.due]
        due += f" ({len(own)} item(s) with their own)" if own else ""
        print(f"  step {step.number} {step.id} ({checklist.department_label(step.department)}): "
              f"{len(step.items)} items — {detail}{due}", file=out)
    if not checklist.has_due_rules:
        print("  no due rules: cases of this checklist get no reminders", file=out)
    return 0


CASES_PAGE = 1000  # summary rows read at a time
LIST_PAGE = 50  # open cases `bot cases` prints, a page of kept summaries


async def list_cases(config: Config, out: TextIO, err: TextIO, *, page: int = 1, per_page: int = LIST_PAGE,
                     every: bool = False) -> int:
    """Open cases with their progress per step, newest first: one page of kept summaries, or all of them."""
    if page < 1 or per_page < 1:
        print("error: --page and --per-page count from 1", file=err)
        return 2
    limit = CASES_PAGE if every else per_page
    async with services(config) as svc:
        offset = 0 if every else (page - 1) * per_page
        while True:
            found = await svc.engine.cases("open", limit=limit, offset=offset)
            if not found.total:
                print("No open cases.", file=out)
            lines = []
            for s in found.summaries:
                steps = "  ".join(f"{p.number}:{p.done}/{p.total}" for p in s.steps)
                late = f"  {s.late_items} late" if s.late_items else ""
                lines.append(printable(f"{s.case_id}  {s.client}  stops {s.stop_date or '-'}  "
                                       f"with {s.holder or '-'}  {steps}{late}"))
            if lines:
                print("\n".join(lines), file=out)
            offset += len(found.summaries)
            if not every and found.more:  # on stderr: the listing on stdout stays one case a line
                print(f"{found.more} more open case(s): --page {page + 1}, or --all", file=err)
            if not every or not found.more or not found.summaries:
                return 0


async def overdue_cases(config: Config, out: TextIO) -> int:
    """Open cases with items past their due time, most overdue first, and those items.

    The kept summaries, most urgent first, say which cases are late: only those are derived."""
    if config.timing is None:
        print("Reminders are off ([reminders] enabled = false): no due dates to be late on.", file=out)
        return 0
    async with services(config) as svc:
        found, offset = [], 0
        while True:
            page = await svc.engine.cases("open", order="urgent", limit=CASES_PAGE, offset=offset)
            late_ids = [s.case_id for s in page.summaries if s.late_items]
            for case_id in late_ids:
                view = await svc.engine.view(case_id)
                if late := late_items(view):
                    found.append((late[0].due_on or "", view, late))
            offset += len(page.summaries)
            if len(late_ids) < len(page.summaries) or not page.more:
                break  # sorted by the earliest due time: past the first case not late, none is
        if not found:
            print("No items are late.", file=out)
        for _, view, late in sorted(found, key=lambda f: (f[0], f[1].case.client)):
            stop = view.case.header.get("stop_date") or "-"
            print(printable(f"{view.case.id}  {view.case.client}  stops {stop}  {len(late)} late"), file=out)
            for item in late:
                print(printable(f"    {item.line} ({item.department_label})"), file=out)
    return 0


async def find(svc: Services, client: str, err: TextIO) -> CaseRecord | None:
    """The case a name or id means (open, else latest completed, else latest cancelled), or None."""
    found = await svc.engine.lookup(client)
    if found.case is None:
        print(f"error: no case for client {printable(client)!r}", file=err)
        return None
    note = found.note(svc.engine.tz)
    if note:
        print(f"note: {printable(note)}", file=err)
    return found.case


async def case_status(config: Config, client: str, out: TextIO, err: TextIO) -> int:
    """One case's summary: status, who holds it, progress per step."""
    async with services(config) as svc:
        case = await find(svc, client, err)
        if case is None:
            return 1
        s = (await svc.engine.view(case.id)).summary(svc.engine.today())
        lines = [f"{s.title} — case {s.case_id}, {s.status}", f"  Service stops: {s.stop_date or '-'}",
                 f"  With: {s.holder or '-'}"]
        lines += [f"  Step {p.number} ({p.department_label}): {p.done}/{p.total} {p.status}" for p in s.steps]
        lines += [f"  Waits for a manager: {text}" for text in s.needs_manager]
        if s.next_due:
            lines.append(f"  Most urgent: {s.next_due}" + (f" ({s.late_items} late)" if s.late_items else ""))
        print("\n".join(printable(line) for line in lines), file=out)
    return 0


async def reopen_case(config: Config, client: str, reason: str, out: TextIO, err: TextIO) -> int:
    """Reopen a cancelled or completed case from the command line (as a manager at the server)."""
    async with services(config) as svc:
        case = await find(svc, client, err)
        if case is None:
            return 1
        user = getpass.getuser()
        actor = Actor("cli", user, f"{user} (command line)", manager=True)
        outcome = await svc.engine.reopen_case(case.id, reason, actor)
        print(printable(outcome.message), file=out)
    return 0 if outcome.changed else 1


async def move_date(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Move a date of an open case from the command line (as a manager at the server)."""
    async with services(config) as svc:
        case = await find(svc, args.client, err)
        if case is None:
            return 1
        user = getpass.getuser()
        actor = Actor("cli", user, f"{user} (command line)", manager=True)
        outcome = await svc.engine.change_date(case.id, args.field, args.date, args.reason, actor)
        print(printable(outcome.message), file=out)
    return 0 if outcome.changed else 1


async def show_case(config: Config, client: str, out: TextIO, err: TextIO) -> int:
    """A case's header, every item's state, and the timeline (control characters made visible)."""
    async with services(config) as svc:
        case = await find(svc, client, err)
        if case is None:
            return 1
        view: CaseView = await svc.engine.view(case.id)
        summary = view.summary(svc.engine.today())
        lines = [f"{summary.title} — case {case.id}, {case.status}"]
        lines += [f"  {label}: {value}" for label, value in summary.header]
        for step in view.checklist.steps:
            card = view.card(step.id)
            lines.append(f"\n{card.title} [{card.status}, {card.done}/{card.total}]")
            for item in card.items:
                extra = item.value_text or item.reason or ""
                who = f" — {item.answered_by} {item.answered_at}" if item.answered_by else ""
                state = STATUS_WORDS.get(item.status, item.status)
                shown = f"{item.text}: {extra}" if extra else item.text
                due = f" ({item.due_text}, due {item.due_day})" if item.due_text else ""
                lines.append(f"  {'  ' * item.depth}[{state}] {shown}{due}{who}")
        lines.append("\nTimeline:")
        lines += ["  " + timeline_line(event, view) for event in await svc.store.get_events(case.id)]
        print("\n".join(printable(line, keep="\n") for line in lines), file=out)
    return 0


def timeline_line(event: EventRecord, view: CaseView) -> str:
    """One event in words."""
    who = event.actor.get("name", "?")
    what = event.kind.replace("_", " ")
    item = f" “{view.text(event.item_id)}”" if event.item_id in view.checklist.items else ""
    note = f" ({event.note})" if event.note else ""
    return f"{event.at:%Y-%m-%d %H:%M:%S} {who}: {what}{item}{note}"
