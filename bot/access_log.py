"""The server's access log, without secrets: a token in a query string never reaches the log."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# Query parameters that carry a credential (the workspace's ?token=, a signed link's sig=).
_SECRET_PARAM = re.compile(r"(?i)([?&](?:token|access_token|sig|signature)=)[^&#]*")


def redact(path_qs: str) -> str:
    """The request target with every credential's value replaced by ****."""
    return _SECRET_PARAM.sub(r"\1****", path_qs)


class AccessLogger(AbstractAccessLogger):
    """One line per request: address, request line (redacted), status, size, seconds."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write the line at INFO."""
        version = request.version
        self.logger.info('%s "%s %s HTTP/%d.%d" %d %s %.3fs', request.remote, request.method,
                         redact(request.rel_url.raw_path_qs), version.major, version.minor, response.status,
                         response.body_length, time)
