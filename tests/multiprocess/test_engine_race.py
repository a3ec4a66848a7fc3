"""Two processes' engines on one database open a case for the same client at once: one wins, one is refused.

Before the port had its own errors this was a 500 (sqlite3.IntegrityError leaking out);
now the loser gets the engine's Conflict, in words, on every backend.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.errors import Conflict
from dialogs.names import client_key
from storage.registry import store_for
from tests.conftest import ALICE, HEADER


async def test_two_engines_racing_to_open_one_client(database: str) -> None:
    checklist = load_checklist(DEFAULT_CHECKLIST)
    header = {**HEADER, "stop_date": (date.today() + timedelta(days=30)).isoformat()}
    async with store_for(database) as one, store_for(database) as two:
        engines = [Engine(one, checklist), Engine(two, checklist)] * 3
        results = await asyncio.gather(*(e.open_case("AcmeCo", header, ALICE) for e in engines),
                                       return_exceptions=True)
        opened = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(opened) == 1 and opened[0].changed
        assert refused and all(isinstance(r, Conflict) for r in refused), refused
        assert all(f"(case {opened[0].case_id})" in str(r) and "AcmeCo already has an open case" in str(r)
                   for r in refused)
        assert len(await one.find_cases(client_key("AcmeCo"))) == 1
