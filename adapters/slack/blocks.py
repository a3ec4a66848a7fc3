"""Block Kit building blocks: mrkdwn escaping and Slack's limits, in one place.

Every string from a view is plain text typed by someone (a client named
``<!channel>`` included): it goes through ``md()`` before it enters mrkdwn,
so it pings nobody. Every builder clips to Slack's documented limits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_ID = 255
MAX_VALUE = 2000
MAX_BUTTONS = 10  # of Slack's 25 per actions block: more is unreadable
MAX_FALLBACK_TEXT = 3000
ELLIPSIS = "…"


@dataclass
class Message:
    """A message ready for chat.postMessage / chat.update."""

    text: str  # the notification fallback (mrkdwn, escaped)
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """Escape the three characters mrkdwn gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def clip_md(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Already-escaped mrkdwn cut to ``limit`` without breaking an entity or a link."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp, semi = cut.rfind("&"), cut.rfind(";")
    if amp > semi:  # cut inside &amp; / &lt; / &gt;
        cut = cut[:amp]
    lt, gt = cut.rfind("<"), cut.rfind(">")
    if lt > gt:  # cut inside <url|label> or <!here>
        cut = cut[:lt]
    return cut + ELLIPSIS


def md(text: str | None, limit: int = MAX_SECTION_TEXT) -> str:
    """User text made safe for mrkdwn and clipped."""
    return clip_md(escape(text or ""), limit)


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object (text already escaped)."""
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int) -> Block:
    """A plain_text object, clipped."""
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def section(text: str, *, block_id: str | None = None, fields: list[str] | None = None,
            accessory: Block | None = None) -> Block:
    """A section of escaped mrkdwn."""
    block: Block = {"type": "section", "text": mrkdwn(clip_md(text) or " ")}
    if fields:
        block["fields"] = [mrkdwn(clip_md(f, 2000) or " ") for f in fields[:10]]
    if block_id:
        block["block_id"] = block_id_of(block_id)
    if accessory:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    """A context line of escaped mrkdwn pieces (at most 10)."""
    return {"type": "context", "elements": [mrkdwn(clip_md(t, MAX_CONTEXT_TEXT) or " ")
                                            for t in texts[:10]]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(label: str, action_id: str, value: str | None = None, *, style: str | None = None,
           url: str | None = None) -> Block:
    """A button; the value must fit (ids are short, so it always does)."""
    element: Block = {"type": "button", "text": plain(label, MAX_BUTTON_TEXT),
                      "action_id": block_id_of(action_id)}
    if value is not None:
        if len(value) > MAX_VALUE:
            raise ValueError(f"button value of {len(value)} characters is over Slack's {MAX_VALUE}")
        element["value"] = value
    if style in ("primary", "danger"):
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(elements: list[Block], block_id: str) -> Block:
    """An actions block."""
    return {"type": "actions", "block_id": block_id_of(block_id), "elements": elements[:25]}


def block_id_of(text: str) -> str:
    """An id within Slack's 255 characters, still unique when clipped."""
    if len(text) <= MAX_ID:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[: MAX_ID - 17]}~{digest}"


def dashboard_link(public_url: str | None, case_id: str, label: str = "Show all") -> str:
    """A mrkdwn link to the case on the dashboard, or its path when no public URL is set."""
    path = f"/dashboard/{case_id}"
    if public_url:
        return f"<{public_url}{path}|{escape(label)}>"
    return f"{escape(label)}: `{path}` on the offboard server"


def thread_link(channel: str, ts: str) -> str:
    """A link to a message (Slack resolves it for the viewer's workspace)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def fit(blocks: list[Block], limit: int, overflow: str) -> list[Block]:
    """At most ``limit`` blocks; the last one says what was left out."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(overflow)]
