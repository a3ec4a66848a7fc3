"""A local Slack Web API on 127.0.0.1: records every call, validates every block and view.

Real code with a fixture, like errbot's test backend: the bot's AsyncWebClient
is pointed here through SLACK_API_URL. Blocks and views must survive
slack_sdk.models (Block.parse / View(**view), then to_dict(), warnings as
errors) and Slack's message limits, or the call fails with ``invalid_blocks``
and the reason is kept in ``rejections``. Faults can be queued per method:
429 with Retry-After, 500, a dropped connection before or after the call
took effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
_JSON_ARGS = ("blocks", "view", "metadata", "files", "attachments")


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]
    status: int = 200
    error: str | None = None
    fault: str | None = None


@dataclass
class Posted:
    """A message in a channel (edits applied), with its edit count."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    edits: int = 0


class FakeSlack:
    """The fake Slack: start(), point SLACK_API_URL at ``api_url``, inspect, stop()."""

    def __init__(self, members: dict[str, list[str]] | None = None,
                 usergroups: dict[str, list[str]] | None = None,
                 users: dict[str, str] | None = None) -> None:
        self.members = members or {}
        self.usergroups = usergroups or {}
        self.users = users or {}  # user id -> display name
        self.calls: list[Call] = []
        self.messages: list[Posted] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.published: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.rejections: list[str] = []
        self.faults: dict[str, deque[tuple[str, Any]]] = {}
        self.last_view_id: str | None = None
        self.socket_replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._socket: web.WebSocketResponse | None = None
        self._socket_ready = asyncio.Event()
        self._ids = itertools.count(1)
        self.released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._ws)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.released.set()
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The Web API base, deliberately without the trailing '/' (the bot must add it)."""
        return f"http://127.0.0.1:{self.port}/api"

    # ------------------------------------------------------------ steering
    def fail(self, method: str, *faults: tuple[str, Any]) -> None:
        """Queue faults for a method: ("status", (429, {"Retry-After": "1"})), ("status", 500),
        ("drop", None) before the call takes effect; after it did: ("drop_after", None),
        ("status_after", 502) (a proxy's HTML page), ("hold_after", None) (no answer until
        ``released`` is set, then the connection drops)."""
        self.faults.setdefault(method, deque()).extend(faults)

    # ------------------------------------------------------------ inspection
    def ok_calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.error is None and c.fault is None
                and (method is None or c.method == method)]

    def channel(self, channel: str) -> list[Posted]:
        """Top-level messages of a channel, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.thread_ts is None]

    def thread(self, channel: str, ts: str) -> list[Posted]:
        """The replies in a thread, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def message_with_block(self, block_id: str) -> Posted:
        """The (only) message that shows a block id, e.g. ``act:review_account``."""
        found = [m for m in self.messages if any(b.get("block_id") == block_id for b in m.blocks)]
        assert len(found) == 1, f"{len(found)} messages show {block_id}"
        return found[0]

    # ------------------------------------------------------------ the API
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _args(request)
        call = Call(method, args)
        self.calls.append(call)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token != (APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN):
            call.error = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        fault = self.faults.get(method) and self.faults[method].popleft()
        if fault and fault[0] == "status":
            status, headers = fault[1] if isinstance(fault[1], tuple) else (fault[1], {})
            call.status, call.fault = status, f"status {status}"
            if status == 429:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
            return web.Response(status=status, text="upstream trouble", headers=headers)
        if fault and fault[0] == "drop":
            call.fault = "drop"
            return await _drop(request)
        try:
            body = getattr(self, "_" + method.replace(".", "_"))(args)
        except AttributeError:
            body = {"ok": False, "error": "unknown_method"}
        except Invalid as exc:
            self.rejections.append(f"{method}: {exc}")
            body = {"ok": False, "error": exc.error}
        if not body.get("ok"):
            call.error = body.get("error")
        if fault and fault[0] == "drop_after":
            call.fault = "drop_after"
            return await _drop(request)
        if fault and fault[0] == "status_after":  # it took effect; a proxy answers with its own page
            call.status, call.fault = int(fault[1]), f"status_after {fault[1]}"
            return web.Response(status=int(fault[1]), content_type="text/html",
                                text="<html><body><h1>502 Bad Gateway</h1></body></html>")
        if fault and fault[0] == "hold_after":  # it took effect; the answer never comes
            call.fault = "hold_after"
            await self.released.wait()
            return await _drop(request)
        return web.json_response(body)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "offboard",
                "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel") not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        blocks = check_blocks(args.get("blocks") or [], 50)
        _check_text(args)
        ts = self._ts()
        message = Posted(args["channel"], ts, args.get("text", ""), blocks, args.get("thread_ts"),
                         args.get("metadata"))
        self.messages.append(message)
        return {"ok": True, "channel": message.channel, "ts": ts, "message": {"ts": ts, "text": message.text}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        blocks = check_blocks(args.get("blocks") or [], 50)
        _check_text(args)
        for m in self.messages:
            if m.channel == args["channel"] and m.ts == args["ts"]:
                m.text, m.blocks, m.edits = args.get("text", ""), blocks, m.edits + 1
                return {"ok": True, "channel": m.channel, "ts": m.ts}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        check_blocks(args.get("blocks") or [], 50)
        _check_text(args)
        self.ephemerals.append(args)
        return {"ok": True, "message_ts": self._ts()}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        members = self.members[args["channel"]]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["usergroup"] not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": self.usergroups[args["usergroup"]]}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user", "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": self.users[user],
                                     "profile": {"display_name": self.users[user]}}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        found = [m for m in self.channel(args["channel"]) if float(m.ts) > float(args.get("oldest") or 0)]
        return self._listing(found[::-1], args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        parent = [m for m in self.messages if m.channel == args["channel"] and m.ts == args["ts"]]
        return self._listing(parent + self.thread(args["channel"], args["ts"]), args)

    def _listing(self, found: list[Posted], args: dict[str, Any]) -> dict[str, Any]:
        with_meta = str(args.get("include_all_metadata")).lower() in ("true", "1")
        messages = [{"ts": m.ts, "text": m.text, "thread_ts": m.thread_ts, "files": m.files,
                     **({"metadata": m.metadata} if with_meta and m.metadata else {})} for m in found]
        return {"ok": True, "messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _ts(self) -> str:
        """A message ts as Slack makes them: the time now, unique."""
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._store_view(f"V{next(self._ids):04d}", check_view(args["view"], "modal"))

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._views_open(args)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("view_id") not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._store_view(args["view_id"], check_view(args["view"], "modal"))

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = check_view(args["view"], "home")
        self.published[args["user_id"]] = view
        return {"ok": True, "view": {**view, "id": f"V{next(self._ids):04d}"}}

    def _store_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        stored = {**view, "id": view_id, "hash": f"h{next(self._ids)}", "state": {"values": {}}}
        self.views[view_id] = stored
        self.last_view_id = view_id
        return {"ok": True, "view": stored}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):04d}"
        self.files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"])}
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        shared = []
        for f in args["files"]:
            stored = self.files.get(f["id"])
            if stored is None or "content" not in stored:
                return {"ok": False, "error": "file_not_found"}
            stored.update(title=f.get("title"), channel=args.get("channel_id"),
                          thread_ts=args.get("thread_ts"))
            shared.append({"id": stored["id"], "name": stored["name"], "title": stored["title"]})
        comment = args.get("initial_comment") or ""
        _check_text({"text": comment})
        ts = self._ts()
        self.messages.append(Posted(args["channel_id"], ts, comment, [], args.get("thread_ts"), None, shared))
        return {"ok": True, "files": shared}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(data)}))
        if file_id not in self.files or len(data) != self.files[file_id]["length"]:
            return web.Response(status=400, text="bad upload")
        self.files[file_id]["content"] = data
        return web.Response(text="OK - 200")

    # ------------------------------------------------------------ Socket Mode
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0FAKE"}, "debug_info": {"host": "fake"}})
        self._socket_ready.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                future = self.socket_replies.get(data.get("envelope_id", ""))
                if future is not None and not future.done():
                    future.set_result(data)
        return ws

    async def socket_request(self, kind: str, payload: dict[str, Any], within: float = 5) -> dict[str, Any]:
        """Send one envelope over the Socket Mode connection; the bot's acknowledgement."""
        await asyncio.wait_for(self._socket_ready.wait(), within)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.socket_replies[envelope_id] = future
        await self._socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": True, "retry_attempt": 0})
        return await asyncio.wait_for(future, within)


class Invalid(Exception):
    """What Slack would refuse."""

    def __init__(self, message: str, error: str = "invalid_blocks") -> None:
        super().__init__(message)
        self.error = error


def check_blocks(blocks: Any, limit: int) -> list[dict[str, Any]]:
    """Blocks as slack_sdk.models accepts them, within Slack's per-surface limit."""
    if not isinstance(blocks, list):
        raise Invalid("blocks is not a list")
    if len(blocks) > limit:
        raise Invalid(f"{len(blocks)} blocks, more than {limit}")
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        raise Invalid(f"duplicate block_id in {block_ids}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for raw in blocks:
            try:
                block = Block.parse(raw)
                if block is None:
                    raise Invalid(f"unknown block {raw!r}")
                block.to_dict()
            except Invalid:
                raise
            except Exception as exc:
                raise Invalid(f"{type(exc).__name__}: {exc} in {json.dumps(raw)[:300]}") from None
            ids = [e.get("action_id") for e in raw.get("elements", []) if isinstance(e, dict)]
            if len(ids) != len(set(ids)):
                raise Invalid(f"duplicate action_id in {ids}")
    return blocks


def check_view(view: Any, kind: str) -> dict[str, Any]:
    """A view as slack_sdk.models.views.View accepts it."""
    if not isinstance(view, dict) or view.get("type") != kind:
        raise Invalid(f"not a {kind} view", "invalid_arguments")
    check_blocks(view.get("blocks"), 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            View(**view).to_dict()
        except Exception as exc:
            raise Invalid(f"view: {type(exc).__name__}: {exc}", "invalid_arguments") from None
    return view


def _check_text(args: dict[str, Any]) -> None:
    if len(str(args.get("text") or "")) > 40_000:
        raise Invalid("text over 40000 characters", "msg_too_long")


async def _args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/json":
            args.update(json.loads(raw or b"{}"))
        else:
            args.update(parse_qsl(raw.decode()))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


async def _drop(request: web.Request) -> web.StreamResponse:
    """Hang up without an answer, like a connection lost on the way back."""
    if request.transport is not None:  # None: the client hung up already (a held call)
        request.transport.abort()
    raise asyncio.CancelledError
