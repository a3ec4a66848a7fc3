"""A lean fake Slack Web API for the benchmark: answers at once and keeps every message's last state.

    python -m bench.fake --setup FILE      (prints the port it listens on, then serves)

It runs in its own process so it never takes the bot's event loop, and it
validates nothing (tests/slack/fake_slack.py is the strict one): every call
costs a JSON parse and a dict update. ``FILE`` names the channels' members,
the user groups and the messages already posted before the run (the seeded
cards and summaries, with their ts). Besides /api/{method} it answers:

- GET /bench/state: per message ``channel/ts`` -> [digest of its blocks, when it
  last changed (time.time()), edits]; every hand-off post [time, text]; every
  views.publish per user [times]; calls per method.
- POST /bench/reset: back to the preloaded messages (or those the request
  gives), nothing recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_TOKEN = "xoxb-bench-token"
_JSON_ARGS = ("blocks", "view", "metadata", "files")


def digest(blocks: Any) -> str:
    """What the checker compares: the blocks in one canonical JSON form."""
    text = json.dumps(blocks, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Message:
    """A message as it stands now."""

    channel: str
    ts: str
    blocks: Any
    changed_at: float
    edits: int = 0
    _digest: str | None = None

    @property
    def digest(self) -> str:
        """The digest of its blocks (computed once per change)."""
        if self._digest is None:
            self._digest = digest(self.blocks)
        return self._digest


class FakeSlack:
    """The fake's state and its handlers."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.setup = setup
        self.port = 0
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        """Forget everything but the preloaded messages."""
        now = time.time()
        self.messages = {f"{m['channel']}/{m['ts']}": Message(m["channel"], m["ts"], m["blocks"], now)
                         for m in self.setup.get("messages", [])}
        self.handoffs: list[tuple[float, str]] = []
        self.publishes: dict[str, list[float]] = {}
        self.calls: dict[str, int] = {}

    async def api(self, request: web.Request) -> web.Response:
        """One Web API call."""
        at = time.time()
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        args = await _args(request)
        handler = _METHODS.get(method)
        body = handler(self, args, at) if handler else {"ok": True}
        return web.json_response(body)

    async def state(self, request: web.Request) -> web.Response:
        """What the benchmark checks (``?part=publishes`` for just that)."""
        if request.query.get("part") == "publishes":
            return web.json_response({"publishes": self.publishes})
        return web.json_response({
            "messages": {k: [m.digest, m.changed_at, m.edits] for k, m in self.messages.items()},
            "handoffs": self.handoffs, "publishes": self.publishes, "calls": self.calls})

    async def reset_handler(self, request: web.Request) -> web.Response:
        """POST /bench/reset, optionally with {"messages": [...]} to preload instead from now on."""
        body = await request.read()
        if body:
            self.setup = {**self.setup, "messages": json.loads(body)["messages"]}
        self.reset()
        return web.json_response({"ok": True})

    async def upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out."""
        await request.read()
        return web.Response(text="OK - 200")

    # ---- methods
    def post(self, args: dict[str, Any], at: float) -> dict[str, Any]:
        """chat.postMessage: a new message (a hand-off post is also noted with its time)."""
        channel = str(args.get("channel", ""))
        ts = f"{int(at)}.{next(self._ids):06d}"
        blocks = args.get("blocks") or []
        self.messages[f"{channel}/{ts}"] = Message(channel, ts, blocks, at)
        if blocks and isinstance(blocks[0], dict) and blocks[0].get("block_id") == "handoff":
            self.handoffs.append((at, str(args.get("text", ""))))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}

    def update(self, args: dict[str, Any], at: float) -> dict[str, Any]:
        """chat.update: the message's blocks now, and when they changed."""
        key = f"{args.get('channel')}/{args.get('ts')}"
        message = self.messages.get(key)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.blocks, message.changed_at, message._digest = args.get("blocks") or [], at, None
        message.edits += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def publish(self, args: dict[str, Any], at: float) -> dict[str, Any]:
        """views.publish: when someone's Home tab was published."""
        self.publishes.setdefault(str(args.get("user_id")), []).append(at)
        return {"ok": True, "view": {"id": f"V{next(self._ids)}"}}

    def view(self, args: dict[str, Any], at: float) -> dict[str, Any]:
        """views.open / update / push: a view id."""
        return {"ok": True, "view": {"id": args.get("view_id") or f"V{next(self._ids)}", "hash": "h"}}

    def upload_url(self, args: dict[str, Any], at: float) -> dict[str, Any]:
        """files.getUploadURLExternal: where to upload."""
        file_id = f"F{next(self._ids)}"
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}


def _members(fake: FakeSlack, args: dict[str, Any], at: float) -> dict[str, Any]:
    members = fake.setup.get("members", {}).get(str(args.get("channel")), [])
    return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}


def _group(fake: FakeSlack, args: dict[str, Any], at: float) -> dict[str, Any]:
    return {"ok": True, "users": fake.setup.get("usergroups", {}).get(str(args.get("usergroup")), [])}


def _auth(fake: FakeSlack, args: dict[str, Any], at: float) -> dict[str, Any]:
    return {"ok": True, "url": "https://bench.slack.test/", "team": "Bench", "user": "offboard",
            "team_id": "T0BENCH", "user_id": "U0BOT", "bot_id": "B0BOT"}


def _complete(fake: FakeSlack, args: dict[str, Any], at: float) -> dict[str, Any]:
    files = args.get("files") or []
    return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}


def _history(fake: FakeSlack, args: dict[str, Any], at: float) -> dict[str, Any]:
    return {"ok": True, "messages": [], "has_more": False, "response_metadata": {"next_cursor": ""}}


_METHODS = {
    "auth.test": _auth, "chat.postMessage": FakeSlack.post, "chat.update": FakeSlack.update,
    "views.publish": FakeSlack.publish, "views.open": FakeSlack.view, "views.update": FakeSlack.view,
    "views.push": FakeSlack.view, "conversations.members": _members, "usergroups.users.list": _group,
    "conversations.history": _history, "conversations.replies": _history,
    "files.getUploadURLExternal": FakeSlack.upload_url, "files.completeUploadExternal": _complete,
}


async def _args(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if request.content_type == "application/json":
        args: dict[str, Any] = json.loads(raw or b"{}")
    else:
        args = dict(parse_qsl(raw.decode()))
        for key in _JSON_ARGS:
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
    return {**request.query, **args}


async def serve(setup: dict[str, Any]) -> None:
    """Listen on a free port of 127.0.0.1, print it, serve until killed."""
    fake = FakeSlack(setup)
    app = web.Application(client_max_size=32 * 1024 * 1024)
    app.router.add_route("*", "/api/{method}", fake.api)
    app.router.add_get("/bench/state", fake.state)
    app.router.add_post("/bench/reset", fake.reset_handler)
    app.router.add_post("/upload/{file_id}", fake.upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = runner.addresses[0][1]
    print(fake.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--setup", required=True, help="JSON: members, usergroups, messages")
    options = parser.parse_args()
    with open(options.setup, encoding="utf-8") as f:
        loaded = json.load(f)
    asyncio.run(serve(loaded))
