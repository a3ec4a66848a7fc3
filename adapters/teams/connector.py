"""The bot's calls to Teams: the Bot Connector (through the SDK's client) and Microsoft Graph.

Bot Connector: a new post in a channel (``create_conversation``: the post opens
its own thread), a reply into a thread, an edit, a conversation's members and
a team's channels. The SDK's client retries nothing itself, which is what the
outbox needs: a POST is never repeated behind its back. Graph (plain REST,
no Graph SDK): a channel's messages, to find a post whose answer was lost, and
an AAD group's members. Failures surface as aiohttp errors; the callers decide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.auth import Tokens

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
MAX_PAGES = 20


@dataclass(frozen=True)
class Member:
    """Someone in a conversation, as the Bot Connector lists them."""

    id: str
    aad_object_id: str | None
    name: str | None


class BotConnector:
    """One SDK client per service URL, each call with a fresh token (MSAL caches it)."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self._clients: dict[str, TeamsConnectorClient] = {}

    async def _client(self, service_url: str) -> TeamsConnectorClient:
        base = service_url if service_url.endswith("/") else service_url + "/"
        client = self._clients.get(base)
        if client is None:
            session = aiohttp.ClientSession(base_url=base, timeout=TIMEOUT)
            client = self._clients[base] = TeamsConnectorClient(base, "", session=session)
        token = await self.tokens.connector()
        if token:
            client.client.headers["Authorization"] = f"Bearer {token}"
        return client

    async def post(self, service_url: str, channel: str, tenant: str | None,
                   activity: dict[str, Any]) -> tuple[str, str]:
        """A new post in a channel: (the post's thread conversation id, its message id)."""
        client = await self._client(service_url)
        data: dict[str, Any] = {"channel": {"id": channel}}
        body: dict[str, Any] = {"isGroup": True, "channelData": data, "activity": activity}
        if tenant:
            data["tenant"] = {"id": tenant}
            body["tenantId"] = tenant
        params = ConversationParameters.model_validate(body)
        made = await client.conversations.create_conversation(params)
        message_id = str(made.activity_id or "")
        return str(made.id or f"{channel};messageid={message_id}"), message_id

    async def reply(self, service_url: str, conversation: str, activity: dict[str, Any]) -> str:
        """A message into a thread (or a chat); its message id."""
        client = await self._client(service_url)
        body = Activity.model_validate(activity)
        made = await client.conversations.send_to_conversation(conversation, body)
        return str(made.id or "")

    async def update(self, service_url: str, conversation: str, message_id: str,
                     activity: dict[str, Any]) -> None:
        """Edit a message in place."""
        client = await self._client(service_url)
        body = Activity.model_validate({**activity, "id": message_id})
        await client.conversations.update_activity(conversation, message_id, body)

    async def members(self, service_url: str, conversation: str) -> list[Member]:
        """Everyone in a conversation (a channel: its team's roster)."""
        client = await self._client(service_url)
        found = await client.conversations.get_conversation_members(conversation)
        return [Member(str(m.id), (m.aad_object_id or "").lower() or None, m.name) for m in found]

    async def channels(self, service_url: str, team_id: str) -> list[tuple[str, str | None]]:
        """A team's channels: (id, name)."""
        client = await self._client(service_url)
        return [(str(c.id), c.name) for c in await client.fetch_channel_list(team_id)]

    async def close(self) -> None:
        """Close every HTTP session."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()


class Graph:
    """The few Microsoft Graph reads the bot needs, as plain REST."""

    def __init__(self, base_url: str, tokens: Tokens) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self._session: aiohttp.ClientSession | None = None

    async def _pages(self, path: str) -> AsyncIterator[dict[str, Any]]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        token = await self.tokens.graph()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url: str | None = f"{self.base_url}{path}"
        for _ in range(MAX_PAGES):
            if url is None:
                return
            async with self._session.get(url, headers=headers) as resp:
                resp.raise_for_status()
                page = await resp.json()
            for entry in page.get("value") or []:
                yield entry
            url = page.get("@odata.nextLink")

    def channel_messages(self, team_group: str, channel: str, root: str | None = None,
                         ) -> AsyncIterator[dict[str, Any]]:
        """A channel's posts (or one post's replies), newest first."""
        path = f"/teams/{quote(team_group, safe='')}/channels/{quote(channel, safe='')}/messages"
        if root:
            path += f"/{quote(root, safe='')}/replies"
        return self._pages(path + "?$top=50")

    async def group_members(self, group: str) -> frozenset[str]:
        """The AAD object ids of a group's members, nested groups included."""
        path = f"/groups/{quote(group, safe='')}/transitiveMembers/microsoft.graph.user?$select=id&$top=999"
        return frozenset([str(u["id"]).lower() async for u in self._pages(path) if u.get("id")])

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
