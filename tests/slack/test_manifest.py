"""manifest.json is a Slack app manifest for everything the adapter does, with the scopes it needs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from adapters.slack.ids import COMMAND, ROUTE
from adapters.slack.scopes import APP_TOKEN_SCOPES, FEATURE_SCOPES, METHOD_SCOPES, scopes_for

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "adapters" / "slack"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    return data


def methods_called_in_the_code() -> set[str]:
    """Every Web API method adapters/slack calls, read from its source (client.chat_postMessage(...))."""
    names = set()
    for path in ADAPTER.glob("*.py"):
        names |= set(re.findall(r"client\.([a-z]+_[A-Za-z_0-9]+)\(", path.read_text(encoding="utf-8")))
    methods = set()
    for name in names:
        if name == "files_upload_v2":
            methods |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
        else:
            methods.add(name.replace("_", "."))
    return methods


def test_the_manifest_names_the_command_interactivity_home_and_events() -> None:
    m = manifest()
    assert m["_metadata"]["major_version"] == 1
    assert m["display_information"]["name"]
    (command,) = m["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["url"].endswith(ROUTE)
    assert len(command["description"]) <= 100 and len(command["usage_hint"]) <= 100
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["interactivity"]["request_url"].endswith(ROUTE)
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert m["settings"]["event_subscriptions"]["request_url"].endswith(ROUTE)
    assert m["features"]["bot_user"]["display_name"]


def test_every_method_the_code_calls_is_in_the_scope_table() -> None:
    called = methods_called_in_the_code()
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update",
            "views.publish", "conversations.members", "usergroups.users.list",
            "files.getUploadURLExternal"} <= called, called
    assert called <= set(METHOD_SCOPES) | set(APP_TOKEN_SCOPES), called - set(METHOD_SCOPES)


def test_the_manifest_grants_exactly_the_scopes_the_table_needs() -> None:
    granted = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = scopes_for(METHOD_SCOPES)
    assert needed <= granted, f"manifest.json lacks {needed - granted}"
    assert granted <= needed | set(FEATURE_SCOPES), f"manifest.json asks for unused {granted - needed}"


def test_every_slack_import_lives_in_adapters_slack() -> None:
    offenders = []
    for package in ("bot", "dialogs", "storage", "adapters"):
        for path in (ROOT / package).rglob("*.py"):
            if ADAPTER in path.parents:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                              if n.split(".")[0] in ("slack_bolt", "slack_sdk")]
    assert offenders == []
