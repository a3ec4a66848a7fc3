"""Conversation references: where each channel is reached (service URL, tenant, team).

Teams tells the bot these in authenticated ``installationUpdate`` and
``conversationUpdate`` activities; they are kept in the store (as message
references of the pseudo case ``~teams``, the store port's one place for
platform addresses), so the outbox can post after a restart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from adapters.ports import RetryLater
from adapters.teams.config import TeamsSettings
from adapters.teams.ids import CONVERSATIONS, SENDER
from storage.base import MessageRef, Store


@dataclass(frozen=True)
class Reference:
    """How to reach one conversation (a channel, a chat)."""

    conversation: str
    service_url: str
    tenant_id: str | None = None
    team_id: str | None = None  # the team's own id (its General channel's)
    team_group: str | None = None  # the team's AAD group id (Microsoft Graph)
    name: str | None = None


class References:
    """Conversation references, in the store and remembered in memory."""

    def __init__(self, store: Store, settings: TeamsSettings) -> None:
        self.store = store
        self.settings = settings
        self._known: dict[str, Reference] = {}

    async def remember(self, ref: Reference) -> None:
        """Keep a reference (a newer one for the same conversation replaces it)."""
        if self._known.get(ref.conversation) == ref:
            return
        extra = {k: v for k, v in asdict(ref).items() if k != "conversation"}
        await self.store.put_message_ref(MessageRef(SENDER, CONVERSATIONS, ref.conversation,
                                                    ref.conversation, ref.team_id or "", extra))
        self._known[ref.conversation] = ref

    async def get(self, conversation: str) -> Reference | None:
        """The stored reference of a conversation, if any."""
        base = conversation.split(";", 1)[0]
        if base not in self._known:
            row = await self.store.get_message_ref(SENDER, CONVERSATIONS, base)
            if row is None:
                return None
            x = row.extra
            self._known[base] = Reference(base, str(x.get("service_url") or ""), x.get("tenant_id"),
                                          x.get("team_id"), x.get("team_group"), x.get("name"))
        return self._known[base]

    async def reach(self, channel: str) -> Reference:
        """How to post to a channel: its own reference, else any the bot has, else the configured URL."""
        own = await self.get(channel)
        if own is not None:
            return own
        others = await self.store.message_refs(CONVERSATIONS)
        for row in others:
            if row.sender == SENDER and row.extra.get("service_url"):
                return Reference(channel, str(row.extra["service_url"]), row.extra.get("tenant_id"),
                                 None, self.settings.team_group)
        if self.settings.service_url:
            tenant = self.settings.credentials.tenant_id if self.settings.credentials else None
            return Reference(channel, self.settings.service_url, tenant, None, self.settings.team_group)
        raise RetryLater(f"Teams: no service URL for {channel} yet; install the app in its team "
                         "(or set [teams] service_url)", 60.0, delivered=False)
