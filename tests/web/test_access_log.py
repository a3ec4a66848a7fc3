"""The access log of the real server never shows a token, right or wrong."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from tests.web.conftest import Server

TOKEN = "s3cret-local-token-4711"
WRONG = "wrong-guess-0815"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kw: object) -> None:
        return None


def _get(url: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_tokens_never_reach_the_access_log(tmp_path: Path) -> None:
    server = Server(tmp_path, OFFBOARD_WEB_TOKEN=TOKEN)
    try:
        assert _get(f"{server.url}/w/cases?token={TOKEN}") == 303
        assert _get(f"{server.url}/dashboard?x=1&token={WRONG}") == 401
        assert _get(f"{server.url}/w/admin?TOKEN={WRONG}&y=2") == 401
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert '"GET /w/cases?token=**** HTTP/1.1" 303' in log, "the request is logged, its token is not"
    assert "/dashboard?x=1&token=**** " in log and "/w/admin?TOKEN=****&y=2" in log
    assert TOKEN not in log and WRONG not in log
