"""Dependencies point one way: adapters -> the ports and the engine; engine -> the store port; bot/ wires.

- nothing under dialogs/ or storage/ imports a chat platform or a web framework;
- a platform's SDK is imported only by its own adapter;
- an adapter imports ``adapters.ports``, the engine (``dialogs``) and the store port
  (``storage.base``) — never the composition root (``bot``), never another adapter;
- the engine imports the store port only, never a store implementation;
- the store imports nothing of the engine, the adapters or the composition root;
- nothing imports ``bot`` but ``bot`` itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("adapters", "bot", "dialogs", "storage")
PLATFORMS = {"slack_bolt": "adapters.slack", "slack_sdk": "adapters.slack",
             "microsoft_agents": "adapters.teams", "botbuilder": "adapters.teams"}
WEB_FRAMEWORKS = frozenset({"aiohttp"})


def imported_modules(source: str, module: str, filename: str = "<snippet>") -> list[tuple[int, str]]:
    """Every module the source imports, at any depth, as (line, absolute dotted name)."""
    package = module.rsplit(".", 1)[0] if "." in module else module
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                names = [f"{prefix}.{node.module}" if node.module else prefix]
            elif node.module:
                names = [node.module]
            if names and names[0] in PACKAGES:  # from adapters import slack: the names are modules
                names = [f"{names[0]}.{alias.name}" for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str) and _is_dynamic_import(node.func)):
            names = [node.args[0].value]
        found += [(getattr(node, "lineno", 0), name) for name in names]
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _adapter_of(name: str) -> str | None:
    """``adapters.slack`` for adapters.slack.cards; None for adapters.ports and non-adapters."""
    parts = name.split(".")
    if parts[0] != "adapters" or len(parts) < 2 or parts[1] == "ports":
        return None
    return ".".join(parts[:2])


def violations(module: str, source: str) -> list[str]:
    """Why a module's imports break the layering, as 'line: imported — rule'."""
    out: list[str] = []
    top = module.split(".")[0]
    own_adapter = _adapter_of(module)
    for line, name in imported_modules(source, module):
        first = name.split(".")[0]
        owner = PLATFORMS.get(first)
        if owner is not None and not _within(module, owner):
            out.append(f"{line}: {name} — only {owner} may import {first}")
        if first in WEB_FRAMEWORKS and top in ("dialogs", "storage"):
            out.append(f"{line}: {name} — the engine and the store know no web framework")
        if first == "bot" and top != "bot":
            out.append(f"{line}: {name} — the composition root is imported by nothing")
        if top == "adapters":
            other = _adapter_of(name)
            if other is not None and other != own_adapter:
                out.append(f"{line}: {name} — an adapter never imports another adapter")
        if top == "dialogs" and first == "storage" and not _within(name, "storage.base"):
            out.append(f"{line}: {name} — the engine uses the store port (storage.base) only")
        if top in ("dialogs", "storage") and first == "adapters":
            out.append(f"{line}: {name} — the engine and the store never import adapters")
        if top == "storage" and first == "dialogs":
            out.append(f"{line}: {name} — the store knows nothing of the engine")
    return out


def project_modules() -> dict[str, Path]:
    """Every module of the four packages by dotted name."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def test_every_module_keeps_the_layers() -> None:
    modules = project_modules()
    assert {"dialogs.engine", "storage.sqlite", "adapters.ports", "adapters.slack.app", "bot.app"} <= set(
        modules), "the walk must actually see the code"
    offenders = {name: hits for name, path in sorted(modules.items())
                 if (hits := violations(name, path.read_text(encoding="utf-8")))}
    assert offenders == {}


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("adapters.slack.handlers", "from bot.app import Services",
     ["1: bot.app — the composition root is imported by nothing"]),
    ("adapters.slack.sender", "from bot.outbox import RetryLater",
     ["1: bot.outbox — the composition root is imported by nothing"]),
    ("adapters.slack.app", "def f():\n    import adapters.web.live",
     ["2: adapters.web.live — an adapter never imports another adapter"]),
    ("adapters.web.routes", "from adapters import slack",
     ["1: adapters.slack — an adapter never imports another adapter"]),
    ("adapters.web.routes", "from ..slack.blocks import md",
     ["1: adapters.slack.blocks — an adapter never imports another adapter"]),
    ("adapters.web.routes", "import slack_sdk",
     ["1: slack_sdk — only adapters.slack may import slack_sdk"]),
    ("adapters.slack.cards", "from microsoft_agents.activity import Activity",
     ["1: microsoft_agents.activity — only adapters.teams may import microsoft_agents"]),
    ("dialogs.engine", "from storage.sqlite import SQLiteStore",
     ["1: storage.sqlite — the engine uses the store port (storage.base) only"]),
    ("dialogs.engine", "from aiohttp import web",
     ["1: aiohttp — the engine and the store know no web framework"]),
    ("storage.sqlite", "from dialogs.state import derive",
     ["1: dialogs.state — the store knows nothing of the engine"]),
    ("storage.sqlite", "m = __import__('slack_bolt.app')",
     ["1: slack_bolt.app — only adapters.slack may import slack_bolt"]),
    ("dialogs.present", "import importlib\nm = importlib.import_module('adapters.web')",
     ["2: adapters.web — the engine and the store never import adapters"]),
])
def test_the_checker_flags_what_breaks_the_layers(module: str, source: str, expected: list[str]) -> None:
    assert violations(module, source) == expected


@pytest.mark.parametrize(("module", "source"), [
    ("adapters.slack.app", "from adapters.ports import AdapterContext\nfrom adapters.slack import ids"),
    ("adapters.slack.app", "from . import ids\nfrom .blocks import md"),
    ("adapters.web.routes", "from dialogs.engine import Engine\nfrom storage.base import Notice"),
    ("dialogs.engine", "from storage.base import Store"),
    ("bot.app", "from adapters import slack\nfrom storage.sqlite import SQLiteStore"),
    ("adapters.slack.http", "import slack_sdk_helpers\nimport aiohttpx\nfrom aiohttp import web"),
    ("dialogs.text", "import jinja2\nname = 'slack_sdk'"),
])
def test_the_checker_leaves_allowed_imports_alone(module: str, source: str) -> None:
    assert violations(module, source) == []
