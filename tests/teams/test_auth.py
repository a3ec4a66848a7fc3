"""With credentials, /api/messages takes only a valid Bot Framework token; anything else is a 401, not a 500.

Tokens are signed here with a test key. The SDK's validator finds Microsoft's
signing keys through a PyJWKClient per JWKS address; the test points the
Bot Framework's address at the fake's /keys (in the SDK's own client cache,
the one seam it has), so signature, audience, issuer and expiry are still
checked by the SDK's code. Outbound, a stand-in for Entra ID hands the bot a
token the fake Bot Connector requires on every call.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientCacheEntry

from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import ALICE, TEAM, TENANT, TeamsBot, fake_teams, running_bot

APP_ID = "11111111-2222-4333-8444-555555555555"
BOT_TOKEN = "token-from-entra-id"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
BOT_FRAMEWORK = "https://api.botframework.com"


class EntraStandIn:
    """Hands out the bot's token (MSAL would ask login.microsoftonline.com)."""

    configuration = None

    async def get_access_token(self, resource_url: str, scopes: list[str], force: bool = False) -> str:
        return BOT_TOKEN

    def get_token_credential(self) -> Any:
        raise NotImplementedError


def token(fake: FakeTeams, *, key: Any = KEY, kid: str | None = "test-key", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": BOT_FRAMEWORK, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + 3600,
            "serviceurl": fake.service_url, **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid} if kid else {})


@pytest.fixture
async def secure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamsBot]:
    fake = fake_teams(token=BOT_TOKEN)
    await fake.start()
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    fake.jwks = [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]
    keys = _JwkClientCacheEntry(PyJWKClient(f"http://127.0.0.1:{fake.port}/keys"), threading.Lock())
    cache = JwtTokenValidator._jwk_client_manager._cache
    for address in (AuthenticationConstants.PUBLIC_ABS_JWKS_URL,
                    "https://login.microsoftonline.com/common/discovery/v2.0/keys"):
        monkeypatch.setitem(cache, address, keys)
    env = {"OFFBOARD_TEAMS_LOCAL": "", "MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "pw",
           "OFFBOARD_SECRET_KEY": "k" * 32}
    try:
        async with running_bot(tmp_path, fake, env=env, install=False) as bot:
            bot.adapter.auth.tokens.inner = EntraStandIn()
            yield bot
    finally:
        await fake.stop()


def hello(bot: TeamsBot) -> dict[str, Any]:
    return bot.activity("message", ALICE, bot.personal(ALICE), text="help")


async def nothing_ran(bot: TeamsBot) -> None:
    assert [c.route for c in bot.fake.calls if c.route != "keys"] == [], "no turn ran: no call to Teams"


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Bearer a b", "Bearer not.a.jwt",
    "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiIxIn0.", "bearer \u00e9\u00e9\u00e9", "Bearer " + "x" * 5000,
], ids=["none", "empty", "bare", "bare-space", "basic", "two-words", "garbage", "alg-none", "non-ascii",
        "huge"])
async def test_missing_or_malformed_authorization_is_401(secure: TeamsBot, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    resp = await secure.client.post("/api/messages", json=hello(secure), headers=headers)
    assert resp.status == 401
    await nothing_ran(secure)


@pytest.mark.parametrize(("change", "why"), [
    ({"key": OTHER_KEY}, "signed with a key Microsoft never published"),
    ({"kid": "other-key"}, "a key id the keys do not have"),
    ({"kid": None}, "no key id at all"),
    ({"aud": "99999999-2222-4333-8444-555555555555"}, "for another bot"),
    ({"exp": int(time.time()) - 3600, "nbf": int(time.time()) - 7200}, "expired"),
    ({"iss": "https://login.microsoftonline.com/8f6d9fd6-5e2c-4d0a-9b0e-3b1c9f0a1a2b/v2.0",
      "tid": "8f6d9fd6-5e2c-4d0a-9b0e-3b1c9f0a1a2b"}, "an issuer this bot does not trust"),
], ids=["other-key", "unknown-kid", "no-kid", "audience", "expired", "issuer"])
async def test_tokens_the_sdk_cannot_verify_are_401(secure: TeamsBot, change: dict[str, Any],
                                                     why: str) -> None:
    resp = await secure.post(hello(secure), token=token(secure.fake, **change))
    assert resp.status == 401, why
    await nothing_ran(secure)


async def test_a_token_for_another_service_url_is_401(secure: TeamsBot) -> None:
    resp = await secure.post(hello(secure), token=token(secure.fake, serviceurl="https://evil.example/amer/"))
    assert resp.status == 401
    await nothing_ran(secure)


async def test_a_valid_token_runs_the_turn_and_the_bot_sends_its_own_token(secure: TeamsBot) -> None:
    fake = secure.fake
    resp = await secure.post(hello(secure), token=token(fake))
    assert resp.status in (200, 202), await resp.text()
    (reply,) = fake.messages
    assert "offboard commands" in reply.text
    assert {c.auth for c in fake.calls if c.route != "keys"} == {f"Bearer {BOT_TOKEN}"}
    install = secure.activity("conversationUpdate", ALICE, {"id": TEAM, "conversationType": "channel"},
                              membersAdded=[{"id": "28:offboard-bot"}])
    assert (await secure.post(install, token=token(fake))).status in (200, 202)
    assert await secure.adapter.references.get(TEAM) is not None, "an authenticated install is remembered"


async def test_a_tenant_outside_the_allow_list_is_403(tmp_path: Path) -> None:
    fake = fake_teams()
    await fake.start()
    try:
        other = "5f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b"
        assert other != TENANT
        async with running_bot(tmp_path, fake, top_config=f'tenants = ["{other}"]', install=False) as bot:
            resp = await bot.post(hello(bot))
            assert resp.status == 403
            assert fake.calls == []
            allowed = hello(bot)
            allowed["channelData"]["tenant"]["id"] = other
            assert (await bot.post(allowed)).status in (200, 202)
    finally:
        await fake.stop()
