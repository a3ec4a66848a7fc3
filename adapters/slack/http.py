"""POST /slack/events: size, signature and JSON are checked here, before bolt sees the request.

bolt answers 500 to a timestamp such as ``abc`` and parses JSON before it
checks the signature; so this handler checks first, in this order: size
(413), timestamp and signature (401), body shape (400: adapters.slack.payloads).
A click on a button that needs no form is then kept in the inbox and
acknowledged here (ItemListeners.keep). Other requests that passed all three
are handed to bolt, with the body this handler parsed: a click's form body
carries the whole message's blocks (~20 kB percent-encoded), and decoding it
twice (here, then again in bolt) was the largest single cost of a click
(docs/BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from yarl import URL

from adapters.slack.items import kept_click
from adapters.slack.payloads import event_problem, form_body, loads
from storage.base import StoreError

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
MAX_SKEW = 300  # seconds, as Slack recommends


class SlackEndpoint:
    """The aiohttp handler that guards bolt."""

    def __init__(self, bolt: AsyncApp, signing_secret: str, *,
                 keep: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)
        self.keep = keep
        self.clock = clock

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check, then dispatch to bolt."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _refuse(413, "request body too large")
        body = await _read(request)
        if body is None:
            return _refuse(413, "request body too large")
        if not self.signed(body, request.headers.get("X-Slack-Request-Timestamp"),
                           request.headers.get("X-Slack-Signature")):
            return _refuse(401, "invalid or missing Slack signature")
        parsed, problem = parse(body.decode("utf-8"), request.content_type)
        if problem or parsed is None:
            return _refuse(400, problem or "not a Slack payload")
        if self.keep is not None and (click := kept_click(parsed)) is not None:
            return await _keep(self.keep, click)
        # bolt takes an already parsed body only in its "socket_mode" request mode, whose one other
        # effect is to skip bolt's own signature check: the one above has passed, and is stricter.
        bolt_request = AsyncBoltRequest(body=parsed, query=request.query_string, mode="socket_mode",
                                        headers={k: v for k, v in request.headers.items()})
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def signed(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        """A well-formed, fresh timestamp and a matching signature."""
        if not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit():
            return False
        if len(timestamp) > 12 or abs(self.clock() - int(timestamp)) > MAX_SKEW:
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return self.verifier.is_valid(text, timestamp, signature)


def parse(text: str, content_type: str) -> tuple[dict[str, Any] | None, str | None]:
    """A signed body as bolt reads it (the JSON, the form's payload, or the form's fields), and why it
    is not a Slack payload we can act on (None when it is one)."""
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            body = loads(text)
        except ValueError as exc:
            return None, f"malformed JSON: {exc}"
        if not isinstance(body, dict):
            return None, "JSON body is not an object"
        return body, event_problem(body)
    # yarl's C decoder reads a form as urllib.parse.parse_qsl does (keep_blank_values), 15x faster.
    form = dict(URL.build(query_string=text, encoded=True).query.items())  # the last value of a name
    return form_body(form)


async def _read(request: web.Request) -> bytes | None:
    """The body, or None once it passes MAX_BODY (whatever Content-Length said)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _keep(keep: Callable[[dict[str, Any]], Awaitable[None]], click: dict[str, Any]) -> web.Response:
    """A click on a button that needs no form: kept (committed), then acknowledged; bolt's routing,
    authorization and listener machinery would only add to the acknowledgement's time."""
    try:
        await keep(click)
    except StoreError:
        log.exception("a click could not be kept; Slack shows the person an error")
        return web.Response(status=500)
    return web.Response(status=200)


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("Slack endpoint refused a request: %s %s", status, reason)
    return web.json_response({"ok": False, "error": reason}, status=status)
