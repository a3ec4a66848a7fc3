"""Who someone is in the SOP: the departments whose channel they are in, and whether they manage.

A department's members are the members of its channel (conversations.members)
plus the configured extras; managers are the configured user ids plus the
members of the managers' user group (usergroups.users.list). Lookups are
cached for ``members_ttl`` seconds. When Slack cannot answer, the last known
answer is used; with none, that one channel counts as empty (the engine then
explains the refusal) rather than failing the click for every department.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.config import SlackSettings
from dialogs.actor import Actor

log = logging.getLogger(__name__)
PLATFORM = "slack"


class Membership:
    """Resolves a Slack user to an Actor the engine can judge."""

    def __init__(self, client: AsyncWebClient, settings: SlackSettings, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._names: dict[str, tuple[float, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def actor(self, user_id: str, name: str | None = None) -> Actor:
        """The acting person, named as people see them (display name), with their departments."""
        depts = list(self.settings.departments.values())
        channels = await asyncio.gather(*(self.channel_members(d.channel) for d in depts))
        departments = frozenset(d.department for d, members in zip(depts, channels, strict=True)
                                if user_id in members or user_id in d.members)
        shown = await self.display_name(user_id, name)
        return Actor(PLATFORM, user_id, shown, departments, await self.is_manager(user_id))

    async def display_name(self, user_id: str, handle: str | None = None) -> str:
        """A person's display name (users.info, cached), else their real name, else the handle given."""
        hit = self._names.get(user_id)
        if hit and hit[0] > self.clock():
            return hit[1]
        try:
            resp = await self.client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("Slack could not tell who %s is (%s); using %r", user_id, exc, handle or user_id)
            return hit[1] if hit else handle or user_id
        user = resp.get("user") or {}
        profile = user.get("profile") or {}
        name = str(profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                   or user.get("name") or handle or user_id).strip() or user_id
        self._names[user_id] = (self.clock() + max(self.settings.members_ttl, 300.0), name)
        return name

    async def is_manager(self, user_id: str) -> bool:
        """Configured as a manager, or in the managers' user group."""
        if user_id in self.settings.managers:
            return True
        group = self.settings.managers_group
        return bool(group) and user_id in await self.group_members(group or "")

    async def channel_members(self, channel: str) -> frozenset[str]:
        """Everyone in a channel (every page)."""
        return await self._cached(f"channel:{channel}", lambda: self._channel(channel))

    async def group_members(self, group: str) -> frozenset[str]:
        """Everyone in a user group."""
        return await self._cached(f"group:{group}", lambda: self._group(group))

    def forget(self) -> None:
        """Drop the cache (a test, or a membership change someone wants seen now)."""
        self._cache.clear()
        self._names.clear()

    async def _channel(self, channel: str) -> frozenset[str]:
        members: set[str] = set()
        cursor = None
        for _ in range(50):  # 50 pages of 1000: more people than any MSP has
            resp = await self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(resp.get("members") or [])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return frozenset(members)

    async def _group(self, group: str) -> frozenset[str]:
        resp = await self.client.usergroups_users_list(usergroup=group)
        return frozenset(resp.get("users") or [])

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[frozenset[str]]]) -> frozenset[str]:
        hit = self._cache.get(key)
        if hit and hit[0] > self.clock():
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit and hit[0] > self.clock():
                return hit[1]
            try:
                value = await fetch()
            except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                if hit is None:
                    log.error("Slack could not list %s (%s); counting it as empty for now", key, exc)
                    return frozenset()
                log.warning("Slack could not list %s (%s); using the last known members", key, exc)
                return hit[1]
            self._cache[key] = (self.clock() + self.settings.members_ttl, value)
            return value
