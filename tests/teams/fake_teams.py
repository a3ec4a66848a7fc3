"""A local Bot Connector (and the two Graph reads the bot makes) on 127.0.0.1: records and validates.

Real code with a fixture, like tests/slack/fake_slack.py. The service URL is
``http://127.0.0.1:PORT/amer/``: every route lives under ``/amer/``, so a
client that drops the service URL's path gets 404. Every card posted or
edited must pass tests/teams/card_check.py (the Adaptive Cards 1.5 schema and
Teams' own rules) and every message must fit Teams' 28 KB, or the call is
refused and the reason kept in ``rejections``. Faults can be queued per
route: a status with headers (429 + Retry-After, 412, 502, 504), a dropped
connection before or after the call took effect, or a call that took effect
and is never answered (``hang``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.teams.card_check import problems, shown

CARD = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE = 28 * 1024


@dataclass
class Call:
    """One request as the fake received it."""

    route: str  # post | send | reply | update | members | channels | graph
    method: str
    path: str
    body: Any = None
    status: int = 200
    fault: str | None = None
    auth: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Posted:
    """A message in a channel or chat (edits applied)."""

    channel: str  # the channel, or the chat's conversation id
    id: str
    activity: dict[str, Any]
    root: str | None = None  # the post this is a reply to
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    edits: int = 0

    @property
    def card(self) -> dict[str, Any]:
        """The (first) card of the message."""
        attachments = self.activity.get("attachments", [])
        return next(a["content"] for a in attachments if a.get("contentType") == CARD)

    @property
    def text(self) -> str:
        """What a person reads on it."""
        return shown(self.card)


class FakeTeams:
    """start(), point the bot's activities' serviceUrl at ``service_url``, inspect, stop()."""

    def __init__(self, members: dict[str, list[dict[str, str]]] | None = None,
                 groups: dict[str, list[str]] | None = None, channels: dict[str, str] | None = None,
                 token: str | None = None) -> None:
        self.members = members or {}
        self.groups = groups or {}
        self.channels = channels or {}
        self.token = token  # when set, every call must carry "Bearer <token>"
        self.jwks: list[dict[str, Any]] = []  # the signing keys /keys publishes (the Bot Framework's)
        self.calls: list[Call] = []
        self.messages: list[Posted] = []
        self.rejections: list[str] = []
        self.faults: dict[str, deque[tuple[str, Any]]] = {}
        self._ids = itertools.count(1_700_000_000_001)
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        r = app.router
        r.add_post("/amer/v3/conversations", self._route("post", self._create))
        r.add_post("/amer/v3/conversations/{conv}/activities", self._route("send", self._send))
        r.add_post("/amer/v3/conversations/{conv}/activities/{id}", self._route("reply", self._send))
        r.add_put("/amer/v3/conversations/{conv}/activities/{id}", self._route("update", self._update))
        r.add_get("/amer/v3/conversations/{conv}/members", self._route("members", self._members))
        r.add_get("/amer/v3/teams/{team}/conversations", self._route("channels", self._channels))
        r.add_get("/graph/v1.0/teams/{group}/channels/{channel}/messages", self._route("graph", self._posts))
        r.add_get("/graph/v1.0/teams/{group}/channels/{channel}/messages/{id}/replies",
                  self._route("graph", self._replies))
        r.add_get("/graph/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user",
                  self._route("graph", self._group))
        r.add_get("/keys", self._keys)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def service_url(self) -> str:
        """The regional service URL Teams would send, with its path."""
        return f"http://127.0.0.1:{self.port}/amer/"

    @property
    def graph_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graph/v1.0"

    # ------------------------------------------------------------ steering
    def fail(self, route: str, *faults: tuple[str, Any]) -> None:
        """Queue faults for a route ("post"), or a route to one channel ("post:19:...@thread.tacv2"):
        ("status", (429, {"Retry-After": "1"})), ("status", 502), ("drop", None) before the call takes
        effect, ("drop_after", None) after it did, ("hang", None) it took effect and is never answered,
        ("ok", None) this call goes through (to fail a later one)."""
        self.faults.setdefault(route, deque()).extend(faults)

    # ------------------------------------------------------------ inspection
    def ok_calls(self, route: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.status < 300 and c.fault is None and route in (None, c.route)]

    def channel(self, channel: str) -> list[Posted]:
        """A channel's posts, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.root is None]

    def thread(self, channel: str, root: str) -> list[Posted]:
        """The replies to one post, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.root == root]

    def message(self, message_id: str) -> Posted:
        return next(m for m in self.messages if m.id == message_id)

    def showing(self, item_id: str) -> Posted:
        """The (only) message whose card shows an item of a step card."""
        found = [m for m in self.messages if any(n.get("id") == f"item-{item_id}" for n in m.card["body"])]
        assert len(found) == 1, f"{len(found)} messages show {item_id}"
        return found[0]

    # ------------------------------------------------------------ the API
    def _route(self, name: str, handler: Any) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.json() if request.can_read_body else None
            call = Call(name, request.method, request.path, body, auth=request.headers.get("Authorization"))
            self.calls.append(call)
            if self.token is not None and call.auth != f"Bearer {self.token}":
                call.status = 401
                return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
            fault = self._fault(f"{name}:{_where(request, body)}") or self._fault(name)
            if fault and fault[0] == "ok":  # a placeholder: this call goes through, the next faults wait
                fault = None
            if fault and fault[0] == "status":
                status, headers = fault[1] if isinstance(fault[1], tuple) else (fault[1], {})
                call.status, call.fault = status, f"status {status}"
                return web.json_response({"error": {"code": "Fault", "message": "injected"}}, status=status,
                                         headers=headers)
            if fault and fault[0] == "drop":
                call.fault = "drop"
                return await self._drop(request)
            try:
                status, answer = handler(request, body)
            except Invalid as exc:
                self.rejections.append(f"{name}: {exc}")
                status, answer = exc.status, {"error": {"code": "BadArgument", "message": str(exc)}}
            call.status = status
            if fault and fault[0] in ("drop_after", "hang"):
                call.fault = fault[0]
                if fault[0] == "hang":
                    await self._release.wait()
                return await self._drop(request)
            return web.json_response(answer, status=status)

        return handle

    async def _keys(self, request: web.Request) -> web.Response:
        self.calls.append(Call("keys", request.method, request.path))
        return web.json_response({"keys": self.jwks})

    def _fault(self, key: str) -> tuple[str, Any] | None:
        queue = self.faults.get(key)
        return queue.popleft() if queue else None

    def _create(self, request: web.Request, body: Any) -> tuple[int, Any]:
        channel = str(((body or {}).get("channelData") or {}).get("channel", {}).get("id", ""))
        if channel not in self.channels:
            return 404, {"error": {"code": "ConversationNotFound"}}
        if not body.get("isGroup"):
            raise Invalid("a channel post needs isGroup")
        posted = self._post(channel, None, body.get("activity") or {})
        return 201, {"id": f"{channel};messageid={posted.id}", "activityId": posted.id}

    def _send(self, request: web.Request, body: Any) -> tuple[int, Any]:
        conv = request.match_info["conv"]
        channel, _, root = conv.partition(";messageid=")
        if channel.startswith("19:") and channel not in self.channels:
            return 404, {"error": {"code": "ConversationNotFound"}}
        posted = self._post(channel, root or None, body or {})
        return 201, {"id": posted.id}

    def _update(self, request: web.Request, body: Any) -> tuple[int, Any]:
        message_id = request.match_info["id"]
        found = [m for m in self.messages if m.id == message_id
                 and m.channel == request.match_info["conv"].split(";", 1)[0]]
        if not found:
            return 404, {"error": {"code": "ActivityNotFoundInConversation"}}
        check(body or {})
        found[0].activity, found[0].edits = body, found[0].edits + 1
        return 200, {"id": message_id}

    def _post(self, channel: str, root: str | None, activity: dict[str, Any]) -> Posted:
        check(activity)
        posted = Posted(channel, str(next(self._ids)), activity, root)
        self.messages.append(posted)
        return posted

    def _members(self, request: web.Request, body: Any) -> tuple[int, Any]:
        conv = request.match_info["conv"].split(";", 1)[0]
        if conv not in self.members:
            return 404, {"error": {"code": "ConversationNotFound"}}
        return 200, self.members[conv]

    def _channels(self, request: web.Request, body: Any) -> tuple[int, Any]:
        return 200, {"conversations": [{"id": c, "name": n} for c, n in self.channels.items()]}

    def _posts(self, request: web.Request, body: Any) -> tuple[int, Any]:
        found = self.channel(request.match_info["channel"])
        return 200, {"value": [graph_message(m) for m in reversed(found)]}

    def _replies(self, request: web.Request, body: Any) -> tuple[int, Any]:
        found = self.thread(request.match_info["channel"], request.match_info["id"])
        return 200, {"value": [graph_message(m) for m in reversed(found)]}

    def _group(self, request: web.Request, body: Any) -> tuple[int, Any]:
        group = request.match_info["group"]
        if group not in self.groups:
            return 404, {"error": {"code": "Request_ResourceNotFound"}}
        return 200, {"value": [{"id": u} for u in self.groups[group]]}

    @staticmethod
    async def _drop(request: web.Request) -> web.StreamResponse:
        """Hang up without an answer, like a connection lost on the way back."""
        assert request.transport is not None
        request.transport.abort()
        raise asyncio.CancelledError


def _where(request: web.Request, body: Any) -> str:
    """The channel a call is about."""
    if "conv" in request.match_info:
        return request.match_info["conv"].split(";", 1)[0]
    return str(((body or {}).get("channelData") or {}).get("channel", {}).get("id", ""))


class Invalid(Exception):
    """The fake refuses this call (as Teams would)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check(activity: dict[str, Any]) -> None:
    """A message Teams would take: within 28 KB, every card valid."""
    if len(json.dumps(activity)) > MAX_MESSAGE:
        raise Invalid(f"message of {len(json.dumps(activity))} bytes is over Teams' 28 KB", 413)
    cards = [a for a in activity.get("attachments") or [] if a.get("contentType") == CARD]
    if not cards and not activity.get("text"):
        raise Invalid("a message needs a card or text")
    for a in cards:
        found = problems(a.get("content"))
        if found:
            raise Invalid("; ".join(found))


def graph_message(m: Posted) -> dict[str, Any]:
    """A message as Microsoft Graph lists it (a card's content is a JSON string)."""
    return {"id": m.id, "createdDateTime": m.created.isoformat().replace("+00:00", "Z"),
            "replyToId": m.root, "from": {"application": {"id": "bot"}},
            "attachments": [{"id": str(n), "contentType": a.get("contentType"),
                             "content": json.dumps(a.get("content"))}
                            for n, a in enumerate(m.activity.get("attachments") or [])]}
