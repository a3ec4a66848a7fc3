"""``python -m bot migrate-to postgresql://...``: move the configured database into an empty PostgreSQL one.

Copies cases, items, events, notices (the channels' history), message
references, posts in doubt, processed request ids, the deliveries that have
not gone out, the reminder timers (with what they already sent) and the
requests kept in the inbox but not handled yet, keeping every id; then
compares the counts on both sides. Stop every bot process first: a process
still writing to the old database would write where nobody reads any more.
"""

from __future__ import annotations

from typing import Any, TextIO

from bot.config import Config
from storage.base import DUMP_PARTS
from storage.locations import describe
from storage.registry import backend_of, store_for

LABELS = {"cases": "cases", "items": "items", "events": "events", "notices": "notices",
          "senders": "senders", "deliveries": "unsent deliveries", "message_refs": "message references",
          "doubts": "posts in doubt", "requests": "processed request ids", "timers": "reminder timers",
          "inbox": "requests kept in the inbox"}
assert set(LABELS) == set(DUMP_PARTS), "every part a dump holds is named in the report"


def add_parser(sub: Any) -> None:
    """Register the migrate-to subcommand on the CLI's subparsers."""
    p = sub.add_parser("migrate-to", help="copy the configured database into an empty PostgreSQL database",
                       description="Copy everything from OFFBOARD_DATABASE into an empty database, "
                                   "verified by counts. Stop every bot process first.")
    p.add_argument("target", help="postgresql://user:password@host:port/dbname")


async def migrate_to(config: Config, target: str, out: TextIO, err: TextIO) -> int:
    """Copy and verify; 1 if the counts differ, 2 if the target is not empty or not reachable."""
    source_name, target_name = describe(config.database), describe(target)
    if backend_of(target) == backend_of(config.database) and target == config.database:
        print("error: the target is the configured database itself", file=err)
        return 2
    async with store_for(config.database) as source, store_for(target) as destination:
        dump = await source.dump()
        await destination.restore(dump)  # refuses a target that holds cases or notices
        expected, found = dump.counts(), await destination.counts()
    print(f"Copied {source_name} to {target_name}:", file=out)
    for part in DUMP_PARTS:
        mark = "" if expected[part] == found[part] else f"  MISMATCH: the target holds {found[part]}"
        print(f"  {expected[part]:>7} {LABELS[part]}{mark}", file=out)
    if expected != found:
        print("error: the counts differ; do not switch OFFBOARD_DATABASE to the target", file=err)
        return 1
    print(f"Verified. Set OFFBOARD_DATABASE={target_name} (with its password) for every process.", file=out)
    return 0
