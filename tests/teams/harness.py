"""Driving the bot as Teams does: Activity JSON posted to the running server's /api/messages.

``TeamsBot`` installs the app in a team, types commands, clicks the buttons
the fake Bot Connector shows (an ``adaptiveCard/action`` invoke, as Teams
sends it, inputs merged into the button's data), fills in the forms the bot
answers with, and waits for the outbox, so a scenario reads like people
working the SOP in Teams.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.app import TEAMS, TeamsAdapter
from bot.app import Services, build_app, services
from bot.config import Config
from tests.teams.card_check import problems, walk
from tests.teams.fake_teams import FakeTeams, Posted

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM, TEAM_GROUP = "19:general@thread.tacv2", "0d1f2e3c-4b5a-4697-8a9b-0c1d2e3f4a5b"
CASES, ADMIN, TECH = "19:cases@thread.tacv2", "19:admin@thread.tacv2", "19:tech@thread.tacv2"
MANAGERS_GROUP = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
BOT_ID = "28:offboard-bot"
TECH_TAG = "tag-tech-1"


@dataclass(frozen=True)
class Person:
    """Someone in the tenant."""

    id: str  # the Teams user id (29:...)
    aad: str  # the AAD object id
    name: str


ALICE = Person("29:alice", "a11ce000-0000-4000-8000-000000000001", "Alice Admin")  # Admin (configured)
TOM = Person("29:tom", "70770000-0000-4000-8000-000000000002", "Tom Tech")  # Tech (#tech roster)
MARY = Person("29:mary", "3a770000-0000-4000-8000-000000000003", "Mary Manager")  # managers' AAD group
OSCAR = Person("29:oscar", "05ca0000-0000-4000-8000-000000000004", "Oscar Outsider")  # in no department


def roster(*people: Person) -> list[dict[str, str]]:
    return [{"id": p.id, "name": p.name, "aadObjectId": p.aad} for p in people]


def stop_date() -> str:
    """A service stop date safely in the future."""
    return (date.today() + timedelta(days=30)).isoformat()


def fake_teams(token: str | None = None) -> FakeTeams:
    """The tenant the tests run in: a team with four channels, Tom in #tech, Mary a manager."""
    return FakeTeams(
        members={TECH: roster(TOM), ADMIN: roster(ALICE, TOM, MARY, OSCAR), CASES: roster(ALICE, TOM, MARY)},
        groups={MANAGERS_GROUP: [MARY.aad]}, token=token,
        channels={TEAM: "General", CASES: "cases", ADMIN: "admin", TECH: "tech"})


def config_file(tmp_path: Path, fake: FakeTeams, extra: str = "", top: str = "") -> Path:
    """The [teams] table the tests run with."""
    path = tmp_path / "offboard.toml"
    path.write_text(f"""
[teams]
cases_channel = "{CASES}"
manager_groups = ["{MANAGERS_GROUP}"]
managers_people = [{{ id = "{MARY.aad}", name = "{MARY.name}" }}]
public_url = "https://offboard.example.com"
graph_url = "{fake.graph_url}"
{top}

[teams.departments.admin]
channel = "{ADMIN}"
members = ["{ALICE.aad}"]
people = [{{ id = "{ALICE.aad}", name = "{ALICE.name}" }}]

[teams.departments.tech]
channel = "{TECH}"
tag = {{ id = "{TECH_TAG}", name = "Tech" }}
{extra}
""", encoding="utf-8")
    return path


class TeamsBot:
    """The bot behind /api/messages, and the fake Bot Connector it talks to."""

    def __init__(self, client: TestClient[web.Request, web.Application], svc: Services,
                 fake: FakeTeams) -> None:
        self.client, self.svc, self.fake = client, svc, fake
        self._n = itertools.count(1)
        self.token: str | None = None

    @property
    def adapter(self) -> TeamsAdapter:
        assert isinstance(self.client.server, TestServer)
        return self.client.server.app[TEAMS]

    # ------------------------------------------------------------ activities
    def activity(self, kind: str, who: Person, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """An activity as Teams posts it to the bot."""
        channel = conversation["id"].split(";", 1)[0]
        data: dict[str, Any] = {"tenant": {"id": TENANT}}
        if conversation.get("conversationType") == "channel":
            data |= {"channel": {"id": channel}, "team": {"id": TEAM, "aadGroupId": TEAM_GROUP}}
        return {"type": kind, "id": f"f:{next(self._n)}", "timestamp": datetime.now(UTC).isoformat(),
                "serviceUrl": self.fake.service_url, "channelId": "msteams", "locale": "en-US",
                "from": {"id": who.id, "name": who.name, "aadObjectId": who.aad},
                "recipient": {"id": BOT_ID, "name": "offboard"},
                "conversation": {"tenantId": TENANT, **conversation}, "channelData": data, **extra}

    async def post(self, activity: dict[str, Any], token: str | None = None,
                   headers: dict[str, str] | None = None) -> ClientResponse:
        sent = dict(headers or {})
        if token or self.token:
            sent.setdefault("Authorization", f"Bearer {token or self.token}")
        return await self.client.post("/api/messages", json=activity, headers=sent)

    async def install(self, who: Person = ALICE) -> None:
        """The app is added to the team: the bot learns its channels and how to reach them."""
        activity = self.activity("conversationUpdate", who, {"id": TEAM, "conversationType": "channel",
                                                             "isGroup": True},
                                 membersAdded=[{"id": BOT_ID}])
        activity["channelData"]["eventType"] = "teamMemberAdded"
        resp = await self.post(activity)
        assert resp.status in (200, 202), await resp.text()

    def personal(self, who: Person) -> dict[str, Any]:
        return {"id": f"a:personal-{who.aad}", "conversationType": "personal"}

    async def say(self, text: str, who: Person, channel: str | None = None) -> list[Posted]:
        """Type to the bot (in a personal chat, or @offboard in a channel); the bot's replies."""
        before = len(self.fake.messages)
        if channel is None:
            conversation = self.personal(who)
            activity = self.activity("message", who, conversation, text=text)
        else:
            conversation = {"id": f"{channel};messageid={next(self._n)}", "conversationType": "channel",
                            "isGroup": True}
            mention = {"type": "mention", "text": "<at>offboard</at>",
                       "mentioned": {"id": BOT_ID, "name": "offboard"}}
            activity = self.activity("message", who, conversation, text=f"<at>offboard</at> {text}",
                                     entities=[mention])
        resp = await self.post(activity)
        assert resp.status in (200, 202), await resp.text()
        # Only the replies in that conversation: the outbox may deliver other posts meanwhile.
        where, _, root = conversation["id"].partition(";messageid=")
        return [m for m in self.fake.messages[before:] if m.channel == where and m.root == (root or None)]

    async def invoke(self, message: Posted, who: Person, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        """An Action.Execute on a message's card, as Teams sends it; the invoke response's body."""
        return await self.send_invoke(self.invoke_activity(message, who, verb, data))

    def invoke_activity(self, message: Posted, who: Person, verb: str,
                        data: dict[str, Any]) -> dict[str, Any]:
        """The invoke activity Teams posts when someone clicks an Action.Execute button."""
        conversation = ({"id": message.channel, "conversationType": "personal"}
                        if message.channel.startswith("a:")
                        else {"id": f"{message.channel};messageid={message.root or message.id}",
                              "conversationType": "channel", "isGroup": True})
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        return self.activity("invoke", who, conversation, name="adaptiveCard/action",
                             replyToId=message.id, value=value)

    async def send_invoke(self, activity: dict[str, Any]) -> dict[str, Any]:
        resp = await self.post(activity)
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        if body.get("type") == "application/vnd.microsoft.card.adaptive":
            assert problems(body["value"]) == [], problems(body["value"])
        return body

    # ------------------------------------------------------------ what people do
    def button(self, item_id: str, action: str) -> tuple[Posted, dict[str, Any]]:
        """The message that shows an item now, and the item's button for an engine action."""
        message = self.fake.showing(item_id)
        container = next(n for n in message.card["body"] if n.get("id") == f"item-{item_id}")
        button = next(n for n in walk(container) if n.get("type") == "Action.Execute"
                      and n.get("data", {}).get("a") == action)
        return message, button

    async def click(self, item_id: str, action: str, who: Person, **values: str) -> dict[str, Any]:
        """Click an item's button; when it answers with a form, fill it in with ``values`` and save."""
        message, button = self.button(item_id, action)
        answer = await self.invoke(message, who, button["verb"], dict(button["data"]))
        form = answer.get("value") if answer.get("type", "").endswith("card.adaptive") else None
        save = next((a for a in (form or {}).get("actions", []) if a.get("verb") == "save"), None)
        if save is not None:
            answer = await self.invoke(message, who, "save", {**save["data"], **filled(form or {}, values)})
        await self.settle()
        return answer

    async def open_case(self, client: str = "AcmeCo", who: Person = ALICE, **header: str) -> dict[str, Any]:
        """``offboard CLIENT`` in a personal chat, the header form filled in; waits for the outbox."""
        (form,) = await self.say(f"offboard {client}", who)
        fields = {"stop_date": stop_date(), "contact_name": "Pat Client", "contact_phone": "+1 202 555 0130",
                  "contact_email": "pat@acme.example", **header}
        answer = await self.submit(form, who, "open_case", **fields)
        await self.settle()
        return answer

    async def submit(self, message: Posted | dict[str, Any], who: Person, verb: str,
                     **values: str) -> dict[str, Any]:
        """Submit a form card (a message's, or one an invoke answered with) through its button ``verb``."""
        content = message.card if isinstance(message, Posted) else message
        button = next(a for a in content.get("actions", []) if a.get("verb") == verb)
        host = message if isinstance(message, Posted) else self.fake.messages[-1]
        return await self.invoke(host, who, verb, {**button["data"], **filled(content, values)})

    async def settle(self, within: float = 10) -> None:
        """Wait until the outbox has nothing left for Teams."""
        far = self.svc.dispatcher.clock() + timedelta(days=1)  # the server's clock (a test may move it)
        deadline = time.monotonic() + within
        while await self.svc.store.due_deliveries("teams", far):
            assert time.monotonic() < deadline, "the outbox did not drain"
            await asyncio.sleep(0.02)


def filled(form: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """A form's inputs as Teams submits them: what was typed, else what the input showed."""
    out: dict[str, str] = {}
    for node in walk(form.get("body", [])):
        if str(node.get("type", "")).startswith("Input."):
            name = node["id"].removeprefix("f:")
            value = values.get(name, node.get("value"))
            if value is not None:
                out[node["id"]] = value
    return out


@asynccontextmanager
async def running_bot(tmp_path: Path, fake: FakeTeams, *, extra_config: str = "", top_config: str = "",
                      env: dict[str, str] | None = None, install: bool = True) -> AsyncIterator[TeamsBot]:
    """The whole server (bot.app.build_app on a tmp SQLite db) on 127.0.0.1, talking to the fake."""
    environ = {"OFFBOARD_DATABASE": str(tmp_path / "offboard.db"),
               "OFFBOARD_CONFIG": str(config_file(tmp_path, fake, extra_config, top_config)),
               "OFFBOARD_TEAMS_LOCAL": "1", **(env or {})}
    environ = {k: v for k, v in environ.items() if v}
    async with services(Config.load(environ)) as svc:
        svc.dispatcher.backoff_base = 0.05
        async with TestClient(TestServer(build_app(svc), host="127.0.0.1")) as client:
            bot = TeamsBot(client, svc, fake)
            if install:
                await bot.install()
            yield bot
