"""The yardstick: a bare slack-bolt AsyncApp that only acknowledges, served the way bolt serves itself.

    python -m bench.bare --port PORT --api-url URL [--process-before-response]

Every block action is acked and nothing else happens; the signature is checked
by bolt as usual. ``AsyncApp.start`` (bolt's own aiohttp server) serves it, so
the figures are what an out-of-the-box bolt app costs on this machine.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.fake import BOT_TOKEN


def bare_app(signing_secret: str, api_url: str, process_before_response: bool) -> AsyncApp:
    """An AsyncApp whose only listener acks every block action (and every slash command)."""
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=signing_secret,
                   process_before_response=process_before_response, name="bare")

    async def ack_only(ack: Callable[..., Awaitable[Any]]) -> None:
        """Acknowledge; nothing else."""
        await ack()

    app.action(re.compile(".*"))(ack_only)
    app.command(re.compile(".*"))(ack_only)
    return app


if __name__ == "__main__":
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True, help="the fake Web API, ending in /api/")
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--process-before-response", action="store_true")
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    bare_app(options.signing_secret, options.api_url, options.process_before_response).start(
        port=options.port, host="127.0.0.1")
