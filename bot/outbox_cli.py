"""``python -m bot outbox`` (what waits, what is in doubt, what was dead-lettered, and requests kept in the
inbox but not handled) and ``outbox retry ID``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Config
from storage.base import Delivery, DeliveryStatus, InboxItem, InboxStatus
from storage.registry import store_for


def add_parser(sub: Any) -> None:
    """Register the outbox subcommand on the CLI's subparsers."""
    p = sub.add_parser("outbox", help="deliveries waiting, in doubt or dead-lettered; retry a dead letter",
                       description="List the deliveries that have not gone out: waiting (with their "
                                   "next attempt), in doubt (a post whose answer was lost: looked up "
                                   "before it is posted again) and dead-lettered (with the error). "
                                   "'retry ID' puts a dead letter back in its queue. Requests kept "
                                   "in the inbox (Slack clicks acknowledged, then applied) that are "
                                   "not handled yet, or failed, are listed too.")
    p.add_argument("action", nargs="?", choices=("retry",), help="retry: send a dead letter again")
    p.add_argument("id", nargs="?", type=int, help="the delivery id the listing shows")


def describe(d: Delivery) -> str:
    """One delivery in a line."""
    n = d.notice
    case = f" case {n.case_id}" if n.case_id else ""
    return f"#{d.id:<5} {d.sender:<6} notice {n.id} {n.kind} to {n.target}{case}"


async def outbox(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List, or retry one dead letter; 1 when there is no such dead letter."""
    async with store_for(config.database) as store:
        if args.action == "retry":
            if args.id is None:
                print("error: outbox retry needs the delivery id (see python -m bot outbox)", file=err)
                return 2
            back = await store.requeue(args.id, datetime.now(UTC))
            if back is None:
                print(f"error: no dead-lettered delivery #{args.id}", file=err)
                return 1
            if back.status == DeliveryStatus.SUPERSEDED:
                print(f"{describe(back)}: a newer notice of the same message already went or waits; "
                      "nothing to send again.", file=out)
            else:
                print(f"{describe(back)}: queued again; a running server sends it within seconds.", file=out)
            return 0
        waiting = await store.deliveries(status=DeliveryStatus.PENDING)
        dead = await store.deliveries(status=DeliveryStatus.FAILED)
        kept = await store.inbox()
    if kept:
        print_inbox(kept, out)
    if not waiting and not dead:
        print("The outbox is empty: nothing waiting, nothing in doubt, no dead letters.", file=out)
        return 0
    if waiting:
        print(f"Waiting ({len(waiting)}):", file=out)
        for d in waiting:
            doubt = " IN DOUBT (looked up before it is posted again)" if d.in_doubt else ""
            error = f"; last error: {d.last_error}" if d.last_error else ""
            print(f"  {describe(d)} — attempts {d.attempts}, next {d.next_attempt_at:%Y-%m-%d %H:%M:%S}"
                  f"{doubt}{error}", file=out)
    if dead:
        print(f"Dead letters ({len(dead)}) — python -m bot outbox retry ID sends one again:", file=out)
        for d in dead:
            doubt = " (a post may have gone out: it is looked up first)" if d.in_doubt else ""
            print(f"  {describe(d)} — {d.last_error}{doubt}", file=out)
    return 0


def print_inbox(kept: list[InboxItem], out: TextIO) -> None:
    """Requests kept in the inbox: those not handled yet, and those that failed (with the error)."""
    for status, heading in ((InboxStatus.WAITING, "Kept in the inbox, not handled yet"),
                            (InboxStatus.FAILED, "Kept in the inbox, failed (not handled; see the log)")):
        these = [i for i in kept if i.status == status]
        if these:
            print(f"{heading} ({len(these)}):", file=out)
        for i in these:
            error = f" — {i.last_error}" if i.last_error else ""
            print(f"  #{i.id:<5} {i.kind} received {i.received_at:%Y-%m-%d %H:%M:%S}, "
                  f"attempts {i.attempts}{error}", file=out)
