"""Who someone is in the SOP: the departments they belong to, and whether they manage.

A department's members are its configured AAD object ids, the members of its
configured AAD groups (Microsoft Graph), and — unless turned off — its
channel's team roster (Bot Connector ``GET /v3/conversations/{id}/members``).
Managers are configured ids and groups. Lookups are cached ``members_ttl``
seconds; when Teams cannot answer, the last known answer is used, and with
none that source counts as empty (the engine then explains the refusal).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import aiohttp

from adapters.teams.config import Department, TeamsSettings
from adapters.teams.connector import BotConnector, Graph
from adapters.teams.ids import PLATFORM
from dialogs.actor import Actor

log = logging.getLogger(__name__)


class Membership:
    """Resolves a Teams user (their AAD object id) to an Actor the engine can judge."""

    def __init__(self, settings: TeamsSettings, connector: BotConnector, graph: Graph, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.connector, self.graph, self.clock = settings, connector, graph, clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def actor(self, who: Mapping[str, Any], service_url: str | None) -> Actor:
        """The person an activity comes from (``from``), with their departments and manager flag."""
        aad = str(who.get("aadObjectId") or "").lower()
        user = aad or str(who.get("id") or "")
        name = str(who.get("name") or "") or user
        depts = list(self.settings.departments.values())
        found = await asyncio.gather(*(self._in(d, aad, service_url) for d in depts))
        departments = frozenset(d.department for d, yes in zip(depts, found, strict=True) if yes)
        return Actor(PLATFORM, user, name, departments, await self.is_manager(aad))

    async def is_manager(self, aad: str) -> bool:
        """Configured as a manager, or in a managers' group."""
        if not aad:
            return False
        if aad in self.settings.managers:
            return True
        for group in sorted(self.settings.manager_groups):
            if aad in await self._group(group):
                return True
        return False

    async def _group(self, group: str) -> frozenset[str]:
        return await self._cached(f"group:{group}", partial(self.graph.group_members, group))

    async def _in(self, dept: Department, aad: str, service_url: str | None) -> bool:
        if not aad:
            return False
        if aad in dept.members:
            return True
        for group in sorted(dept.groups):
            if aad in await self._group(group):
                return True
        if dept.roster and service_url:
            roster = await self._cached(f"roster:{dept.channel}", partial(self._roster, service_url, dept))
            return aad in roster
        return False

    async def _roster(self, service_url: str, dept: Department) -> frozenset[str]:
        members = await self.connector.members(service_url, dept.channel)
        return frozenset(m.aad_object_id for m in members if m.aad_object_id)

    def forget(self) -> None:
        """Drop the cache (a test, or a membership change someone wants seen now)."""
        self._cache.clear()

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[frozenset[str]]]) -> frozenset[str]:
        hit = self._cache.get(key)
        if hit and hit[0] > self.clock():
            return hit[1]
        async with self._locks.setdefault(key, asyncio.Lock()):
            hit = self._cache.get(key)
            if hit and hit[0] > self.clock():
                return hit[1]
            try:
                value = await fetch()
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                if hit is None:
                    log.error("Teams could not list %s (%r); counting it as empty for now", key, exc)
                    return frozenset()
                log.warning("Teams could not list %s (%r); using the last known members", key, exc)
                return hit[1]
            self._cache[key] = (self.clock() + self.settings.members_ttl, value)
            return value
