"""Requests as Slack sends them: signed block_actions with the message's blocks, slash commands, events.

Shared by the load process (which must start fast: nothing here imports the bot)
and the orchestrator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "bench-signing-secret"
ACTION_TS = "__ACTION_TS__"
"""Replaced at send time by a unique action_ts (the bot's request id is made of it)."""
TEAM = {"id": "T0BENCH", "domain": "bench"}


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, content_type: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers of a request Slack signed just now."""
    timestamp = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(body, timestamp, secret)}


def click_payload(click: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """A block_actions payload: one button of a card, with the whole message as Slack shows it."""
    user = click["user"]
    button = click["button"]
    return {
        "type": "block_actions", "team": TEAM, "api_app_id": "A0BENCH", "token": "bench",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                      "is_ephemeral": False},
        "trigger_id": f"{click['n']}.bench.trigger", "channel": {"id": message["channel"], "name": "bench"},
        "message": {"type": "message", "subtype": "bot_message", "bot_id": "B0BOT", "user": "U0BOT",
                    "ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "state": {"values": {}}, "response_url": "https://hooks.slack.test/actions/bench",
        "actions": [{"type": "button", "action_id": button["action_id"], "block_id": click["block_id"],
                     "value": button["value"], "text": button["text"],
                     **({"style": button["style"]} if "style" in button else {}),
                     "action_ts": ACTION_TS}],
    }


def click_body(click: dict[str, Any], message: dict[str, Any]) -> bytes:
    """The form body of a click, with ACTION_TS still in it."""
    payload = json.dumps(click_payload(click, message), separators=(",", ":"))
    return urlencode({"payload": payload}).encode()


def write_bodies(plan: dict[str, Any], path: Path) -> Path:
    """Every click of a plan as a form body, one per line (what the load process reads)."""
    bodies = (click_body(c, plan["messages"][c["message"]]) for c in plan["clicks"])
    path.write_bytes(b"\n".join(bodies) + b"\n")
    return path


def command_body(text: str, user: str, channel: str) -> bytes:
    """/offboard TEXT as Slack posts it."""
    return urlencode({
        "token": "bench", "team_id": TEAM["id"], "team_domain": TEAM["domain"], "channel_id": channel,
        "channel_name": "bench", "user_id": user, "user_name": user.lower(), "command": "/offboard",
        "text": text, "api_app_id": "A0BENCH", "response_url": "https://hooks.slack.test/commands/bench",
        "trigger_id": f"{time.time():.6f}.bench.trigger"}).encode()


def home_opened_body(user: str) -> bytes:
    """The app_home_opened event Slack sends when someone opens the bot's Home tab."""
    now = time.time()
    return json.dumps({
        "token": "bench", "team_id": TEAM["id"], "api_app_id": "A0BENCH", "type": "event_callback",
        "event_id": f"Ev{int(now * 1e6)}", "event_time": int(now),
        "event": {"type": "app_home_opened", "user": user, "channel": "D0BENCH", "tab": "home",
                  "event_ts": f"{now:.6f}"}}).encode()
