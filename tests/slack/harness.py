"""Driving the bot as Slack does: signed HTTP requests to the running server.

``SlackBot`` types slash commands, clicks the buttons the fake Slack shows,
fills in and submits the modals it opened, and waits for the outbox to
deliver, so a scenario reads like people working the SOP in Slack.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.app import SLACK, SlackAdapter
from adapters.slack.ids import Act, ItemRef
from bot.app import Services, build_app, services
from bot.config import Config
from storage.base import InboxStatus
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.virtual_time import VirtualTime

SECRET = "test-signing-secret"
CASES, ADMIN, TECH, MANAGERS_GROUP, TECH_GROUP = "C0CASES", "C0ADMIN", "C0TECH", "S0MANAGERS", "S0TECH"


@dataclass(frozen=True)
class Person:
    """Someone in the workspace."""

    id: str
    name: str


ALICE = Person("U0ALICE", "alice")  # in #admin
TOM = Person("U0TOM", "tom")  # in #tech
MARY = Person("U0MARY", "mary")  # a manager, through the managers' user group
OSCAR = Person("U0OSCAR", "oscar")  # in no department's channel

MEMBERS = {ADMIN: [ALICE.id, "U0BOT"], TECH: [TOM.id, "U0BOT"], CASES: [ALICE.id, TOM.id, MARY.id]}
GROUPS = {MANAGERS_GROUP: [MARY.id], TECH_GROUP: [TOM.id]}
# Display names (users.info): the audit trail and cards name people by these, not by their handle.
USERS = {ALICE.id: "Alice Admin", TOM.id: "Tom Tech", MARY.id: "Mary Manager", OSCAR.id: "Oscar Outsider"}


def stop_date() -> str:
    """A service stop date safely in the future."""
    return (date.today() + timedelta(days=30)).isoformat()


def config_file(tmp_path: Path, extra: str = "", document_format: str = "md") -> Path:
    """The [slack] table the tests run with."""
    path = tmp_path / "offboard.toml"
    path.write_text(f"""
[slack]
cases_channel = "{CASES}"
managers_group = "{MANAGERS_GROUP}"
document_format = "{document_format}"
public_url = "https://offboard.example.com"

[slack.departments.admin]
channel = "{ADMIN}"

[slack.departments.tech]
channel = "{TECH}"
group = "{TECH_GROUP}"
{extra}
""", encoding="utf-8")
    return path


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    """Slack's v0 signature."""
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


class SlackBot:
    """The bot behind its HTTP endpoint, and the fake Slack it talks to."""

    def __init__(self, client: TestClient[web.Request, web.Application], svc: Services,
                 fake: FakeSlack, pace: VirtualTime) -> None:
        self.client, self.svc, self.fake, self.pace = client, svc, fake, pace
        self._n = itertools.count(1)

    @property
    def adapter(self) -> SlackAdapter:
        """What adapters.slack mounted on the server."""
        assert isinstance(self.client.server, TestServer)
        return self.client.server.app[SLACK]

    # ------------------------------------------------------------ raw requests
    async def post(self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None,
                   timestamp: str | None = None, signature: str | None = None) -> ClientResponse:
        ts = timestamp if timestamp is not None else str(int(time.time()))
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature if signature is not None else sign(body, ts),
                **(headers or {})}
        return await self.client.post("/slack/events", data=body, headers=sent)

    async def interact(self, payload: dict[str, Any], **kw: Any) -> ClientResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    # ------------------------------------------------------------ what people do
    async def command(self, text: str, who: Person, channel: str = ADMIN) -> dict[str, Any]:
        """/offboard TEXT; the acknowledgement's JSON ({} when empty)."""
        body = urlencode({"token": "x", "team_id": "T0FAKE", "channel_id": channel, "user_id": who.id,
                          "user_name": who.name, "command": "/offboard", "text": text,
                          "api_app_id": "A0FAKE", "response_url": "https://hooks.slack.test/commands/1",
                          "trigger_id": self.trigger()})
        resp = await self.post(body.encode(), "application/x-www-form-urlencoded")
        assert resp.status == 200, await resp.text()
        return answer(await resp.text())

    def button(self, item_id: str, action: str, label: str | None = None, where: str = "",
               ) -> tuple[dict[str, Any], dict[str, Any], str]:
        """The button of an item as Slack shows it now (on its card, or ``where="managers-"``)."""
        message = self.fake.message_with_block(f"{where}act:{item_id}")
        block = next(b for b in message.blocks if b.get("block_id") == f"{where}act:{item_id}")
        pattern = Act.of(action).pattern()
        button = next(e for e in block["elements"] if pattern.match(e["action_id"])
                      and (label is None or e["text"]["text"] == label))
        return button, {"ts": message.ts, "blocks": message.blocks}, message.channel

    def click_payload(self, item_id: str, action: str, who: Person,
                      label: str | None = None, where: str = "") -> dict[str, Any]:
        button, message, channel = self.button(item_id, action, label, where)
        return {"type": "block_actions", "team": {"id": "T0FAKE"}, "api_app_id": "A0FAKE", "token": "x",
                "user": {"id": who.id, "username": who.name, "name": who.name, "team_id": "T0FAKE"},
                "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
                "channel": {"id": channel}, "message": message, "trigger_id": self.trigger(),
                "response_url": "https://hooks.slack.test/actions/1",
                "actions": [{"type": "button", "action_id": button["action_id"],
                             "block_id": f"{where}act:{item_id}",
                             "value": button["value"], "text": button["text"],
                             "action_ts": f"{time.time():.6f}"}]}

    async def click(self, item_id: str, action: str, who: Person, label: str | None = None,
                    **values: str) -> dict[str, Any]:
        """Click a button; when it opens a modal, fill it in with ``values`` and submit it."""
        payload = self.click_payload(item_id, action, who, label)
        resp = await self.interact(payload)
        assert resp.status == 200, await resp.text()
        if ItemRef.decode(payload["actions"][0]["value"]).modal:
            result = await self.submit(who, **values)
        else:
            result = answer(await resp.text())
        await self.settle()
        return result

    async def submit(self, who: Person, view_id: str | None = None, *, pushed: dict[str, Any] | None = None,
                     **values: str) -> dict[str, Any]:
        """Submit the modal Slack shows (the last opened, or one an acknowledgement pushed)."""
        view = pushed or self.fake.views[view_id or self.fake.last_view_id or ""]
        payload = {"type": "view_submission", "team": {"id": "T0FAKE"}, "api_app_id": "A0FAKE", "token": "x",
                   "user": {"id": who.id, "username": who.name, "name": who.name, "team_id": "T0FAKE"},
                   "trigger_id": self.trigger(), "view": {**view, "state": {"values": state(view, values)}}}
        resp = await self.interact(payload)
        assert resp.status == 200, await resp.text()
        return answer(await resp.text())

    async def open_case(self, client: str = "AcmeCo", who: Person = ALICE, **header: str) -> dict[str, Any]:
        """/offboard CLIENT and a filled-in header; waits for the outbox."""
        await self.command(client, who)
        fields = {"stop_date": stop_date(), "contact_name": "Pat Client", "contact_phone": "+1 202 555 0130",
                  "contact_email": "pat@acme.example", **header}
        result = await self.submit(who, **fields)
        await self.settle()
        return result

    async def work_step_one(self, who: Person = ALICE) -> None:
        """Admin's step one, the short way; the last click hands off to Tech."""
        for item in ("review_account", "contact_client", "cancel_recurring_billing", "keep_tm_contract",
                     "keep_other_contracts"):
            await self.click(item, "done", who)
        for item in ("accounts_receivable", "unbundled_services", "newsletter"):
            await self.click(item, "yes" if item == "newsletter" else "no", who)
        await self.click("prepayment", "answer", who, dollars="1500", hours="10")
        await self.click("managed_contract_expiration", "answer", who)
        await self.click("quickbooks_terms", "na", who, reason="Already net 0")

    async def home(self, who: Person) -> ClientResponse:
        body = json.dumps({"token": "x", "team_id": "T0FAKE", "api_app_id": "A0FAKE",
                           "type": "event_callback", "event_id": f"Ev{next(self._n)}",
                           "event_time": int(time.time()),
                           "event": {"type": "app_home_opened", "user": who.id, "channel": "D0HOME",
                                     "tab": "home", "event_ts": f"{time.time():.6f}"}}).encode()
        return await self.post(body, "application/json")

    # ------------------------------------------------------------ waiting
    async def applied(self, within: float = 10) -> None:
        """Wait until every click kept in the inbox has been applied (the ack comes before the engine)."""
        deadline = time.monotonic() + within
        while await self.svc.store.inbox(InboxStatus.WAITING):
            assert time.monotonic() < deadline, "the inbox did not drain"
            await asyncio.sleep(0.01)

    async def settle(self, within: float = 10) -> None:
        """Wait until every kept click is applied and the outbox has nothing left for Slack."""
        await self.applied(within)
        far = self.svc.dispatcher.clock() + timedelta(days=1)  # the server's clock (a test may move it)
        deadline = time.monotonic() + within
        while await self.svc.store.due_deliveries("slack", far):
            assert time.monotonic() < deadline, "the outbox did not drain"
            await asyncio.sleep(0.02)

    def trigger(self) -> str:
        return f"trigger-{next(self._n)}"


def answer(text: str) -> dict[str, Any]:
    """An acknowledgement's JSON body ({} when it is empty)."""
    data: dict[str, Any] = json.loads(text or "{}")
    return data


def state(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """A modal's state as Slack submits it: what was typed, else what the inputs were prefilled with."""
    out: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        given = values.get(block["block_id"])
        kind = element["type"]
        if kind in ("plain_text_input", "email_text_input"):
            entry = {"value": given if given is not None else element.get("initial_value")}
        elif kind == "datepicker":
            entry = {"selected_date": given if given is not None else element.get("initial_date")}
        else:  # static_select, radio_buttons: choose by the option's text or value
            option = element.get("initial_option")
            if given is not None:
                option = next(o for o in element["options"] if given in (o["value"], o["text"]["text"]))
            entry = {"selected_option": option}
        out[block["block_id"]] = {element["action_id"]: {"type": kind, **entry}}
    return out


@asynccontextmanager
async def running_bot(tmp_path: Path, fake: FakeSlack, *, extra_config: str = "", document_format: str = "md",
                      env: dict[str, str] | None = None) -> AsyncIterator[SlackBot]:
    """The whole server (bot.app.build_app on a tmp SQLite db) on 127.0.0.1, talking to the fake."""
    environ = {"OFFBOARD_DATABASE": str(tmp_path / "offboard.db"),
               "OFFBOARD_CONFIG": str(config_file(tmp_path, extra_config, document_format)),
               "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
               "OFFBOARD_SECRET_KEY": "test-secret-key-of-the-slack-harness", **(env or {})}
    async with services(Config.load(environ)) as svc:
        svc.dispatcher.backoff_base = 0.05
        pace = VirtualTime()  # Slack's pacing per channel runs in virtual time: no test waits for it
        svc.dispatcher.pace_clock, svc.dispatcher.sleep = pace, pace.sleep
        async with TestClient(TestServer(build_app(svc), host="127.0.0.1")) as client:
            yield SlackBot(client, svc, fake, pace)
