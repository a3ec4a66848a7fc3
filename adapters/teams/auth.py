"""Who may call /api/messages, and the tokens the bot calls Teams and Graph with — all through the SDK.

Inbound: the SDK's JwtTokenValidator checks the Bot Framework token (signature
against Microsoft's published keys, audience = our app id, issuer, expiry);
anything it cannot read is a refusal, never an error. Outbound: MSAL client
credentials (microsoft-agents-authentication-msal) for the Bot Connector and
Microsoft Graph. The local mode has neither: no token is checked or sent.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AnonymousTokenProvider
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
)

from adapters.teams.config import TeamsSettings

log = logging.getLogger(__name__)
CONNECTOR = ("https://api.botframework.com", ["https://api.botframework.com/.default"])
GRAPH = ("https://graph.microsoft.com", ["https://graph.microsoft.com/.default"])


class Tokens(AccessTokenProviderBase):
    """The bot's token provider; ``inner`` is MSAL, or a test's stand-in for Entra ID."""

    def __init__(self, inner: AccessTokenProviderBase) -> None:
        self.inner = inner

    @property
    def configuration(self) -> Any:
        """The connection's settings (the SDK reads them)."""
        return getattr(self.inner, "configuration", None)

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        """A token for a resource (cached by MSAL)."""
        return await self.inner.get_access_token(resource_url, scopes, force_refresh)

    def get_token_credential(self) -> Any:
        """The SDK's credential object (not used by offboard)."""
        return self.inner.get_token_credential()

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        """Not used: the bot acts as itself."""
        raise NotImplementedError("offboard does not act on behalf of users")

    async def get_agentic_application_token(self, tenant_id: str, agent_app_instance_id: str) -> str | None:
        """Not used: offboard is no agentic app."""
        raise NotImplementedError("offboard is not an agentic app")

    async def get_agentic_instance_token(self, tenant_id: str, agent_app_instance_id: str) -> tuple[str, str]:
        """Not used: offboard is no agentic app."""
        raise NotImplementedError("offboard is not an agentic app")

    async def get_agentic_user_token(self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str,
                                     scopes: list[str]) -> str | None:
        """Not used: offboard is no agentic app."""
        raise NotImplementedError("offboard is not an agentic app")

    async def connector(self) -> str:
        """A token for the Bot Connector ('' in the local mode)."""
        return await self.get_access_token(*CONNECTOR)

    async def graph(self) -> str:
        """A token for Microsoft Graph ('' in the local mode)."""
        return await self.get_access_token(*GRAPH)


class Auth:
    """The SDK's authentication pieces for one bot registration (or none, in the local mode)."""

    def __init__(self, settings: TeamsSettings, provider: AccessTokenProviderBase | None = None) -> None:
        creds = settings.credentials
        if creds is None:
            self.config = AgentAuthConfiguration(anonymous_allowed=True, connection_name="SERVICE_CONNECTION")
            inner: AccessTokenProviderBase = provider or AnonymousTokenProvider()
        else:
            # validate_issuer: the SDK checks the token's issuer only when asked (the Bot Framework's,
            # or the bot's tenant's Entra issuers); offboard asks.
            self.config = AgentAuthConfiguration(client_id=creds.app_id, tenant_id=creds.tenant_id,
                                                 client_secret=str(creds.password), validate_issuer=True,
                                                 connection_name="SERVICE_CONNECTION")
            inner = provider or MsalAuth(self.config)
        self.tokens = Tokens(inner)
        self.connections = ConnectionManager(lambda _cfg: self.tokens,
                                             connections_configurations={"SERVICE_CONNECTION": self.config})
        self.validator = JwtTokenValidator(self.config)
        self.local = creds is None

    async def authenticate(self, header: str | None) -> ClaimsIdentity | None:
        """The caller's verified claims, or None: missing, malformed, forged or expired all refuse."""
        if self.local:
            return ClaimsIdentity()
        token = bearer(header)
        if token is None:
            return None
        try:
            return await self.validator.validate_token(token)
        except Exception as exc:  # any token the SDK cannot verify is a refusal
            log.warning("Teams: refused a token (%s)", type(exc).__name__)
            return None


def bearer(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None when the header is anything else."""
    parts = (header or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].isascii():
        return None
    return parts[1]
