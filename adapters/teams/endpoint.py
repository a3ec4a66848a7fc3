"""POST /api/messages: size, token, JSON and tenant are checked here, before the SDK runs a turn.

In this order: size (413), the Bot Framework token (401: missing, malformed,
forged, expired or for another bot — never a 500), the body (400: not JSON,
not an activity), the service URL the token vouches for (401), the tenant
allow-list (403). Only then does the SDK's CloudAdapter run the turn.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import Agent
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from adapters.teams.auth import Auth
from adapters.teams.config import TeamsSettings

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


class _Request:
    """The request as the SDK's adapter reads it (HttpRequestProtocol), with the body already checked."""

    def __init__(self, request: web.Request, body: dict[str, Any], claims: ClaimsIdentity) -> None:
        self._request, self._body, self._claims = request, body, claims

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Any:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        return self._body

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._claims

    def get_path_param(self, name: str) -> str:
        return self._request.match_info[name]


class TeamsEndpoint:
    """The aiohttp handler in front of the SDK's CloudAdapter."""

    def __init__(self, cloud: CloudAdapter, agent: Agent, auth: Auth, settings: TeamsSettings) -> None:
        self.cloud, self.agent, self.auth, self.settings = cloud, agent, auth, settings

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check, then let the SDK run the turn."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _refuse(413, "request body too large")
        claims = await self.auth.authenticate(request.headers.get("Authorization"))
        if claims is None:
            return _refuse(401, "missing or invalid Bot Framework token")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "request body too large")
        body, problem = _activity(raw)
        if body is None:
            return _refuse(400, problem)
        if not self._vouched(claims, str(body.get("serviceUrl") or "")):
            return _refuse(401, "the activity's serviceUrl is not the one its token names")
        tenant = _tenant(body)
        if self.settings.tenants and tenant not in self.settings.tenants:
            return _refuse(403, f"tenant {tenant or '(none)'} is not allowed")
        response = await self.cloud.process_request(_Request(request, body, claims), self.agent)
        if response.body is not None:
            return web.json_response(response.body, status=response.status_code, headers=response.headers)
        return web.Response(status=response.status_code, headers=response.headers)

    def _vouched(self, claims: ClaimsIdentity, service_url: str) -> bool:
        """A token from the Bot Framework names the service URL its activity may send the bot to."""
        claimed = claims.get_claim_value("serviceurl")
        if self.auth.local or not claimed:
            return True
        return urlsplit(str(claimed)).netloc.lower() == urlsplit(service_url).netloc.lower()


def _activity(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """The body as an activity's JSON, or why it is not one."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"malformed JSON: {exc}"
    if not isinstance(body, dict):
        return None, "the body is not a JSON object"
    try:
        activity = Activity.model_validate(body)
    except ValidationError as exc:
        return None, f"not an activity: {exc.errors()[0].get('msg', 'invalid')}"
    if not activity.type or not activity.conversation or not activity.conversation.id:
        return None, "an activity needs a type and conversation.id"
    if not activity.service_url:
        return None, "an activity needs a serviceUrl"
    return body, ""


def _tenant(body: dict[str, Any]) -> str | None:
    data: dict[str, Any] = body["channelData"] if isinstance(body.get("channelData"), dict) else {}
    tenant = data["tenant"].get("id") if isinstance(data.get("tenant"), dict) else None
    return str(tenant or (body.get("conversation") or {}).get("tenantId") or "").lower() or None


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("Teams endpoint refused a request: %s %s", status, reason)
    return web.json_response({"error": reason or HTTPStatus(status).phrase}, status=status)
