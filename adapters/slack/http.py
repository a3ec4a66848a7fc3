"""POST /slack/events: size, signature and JSON are checked here, before bolt sees the request.

bolt answers 500 to a timestamp such as ``abc`` and parses JSON before it
checks the signature; so this handler checks first, in this order: size
(413), timestamp and signature (401), body shape (400: adapters.slack.payloads).
Only a request that passed all three is handed to bolt.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.payloads import event_problem, form_problem

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
MAX_SKEW = 300  # seconds, as Slack recommends


class SlackEndpoint:
    """The aiohttp handler that guards bolt."""

    def __init__(self, bolt: AsyncApp, signing_secret: str, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)
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
        text = body.decode("utf-8")
        problem = malformed(text, request.content_type)
        if problem:
            return _refuse(400, problem)
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
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


def malformed(text: str, content_type: str) -> str | None:
    """Why a signed body is not a Slack payload we can act on, or None when it is one."""
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as exc:
            return f"malformed JSON: {exc}"
        if not isinstance(body, dict):
            return "JSON body is not an object"
        return event_problem(body)
    return form_problem(parse_qs(text, keep_blank_values=True))


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


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("Slack endpoint refused a request: %s %s", status, reason)
    return web.json_response({"ok": False, "error": reason}, status=status)
