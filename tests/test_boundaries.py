"""The engine and the store know no chat platform: nothing under dialogs/ or storage/ imports one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ("dialogs", "storage")
FORBIDDEN = frozenset({"slack_bolt", "slack_sdk", "botbuilder", "aiohttp"})


def forbidden_imports(source: str, filename: str = "<snippet>") -> list[str]:
    """Every import in the source (at any depth) whose top-level module is forbidden, as 'line: module'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str) and _is_dynamic_import(node.func)):
            modules = [node.args[0].value]
        line = getattr(node, "lineno", 0)
        found += [f"{line}: {m}" for m in modules if m.split(".")[0] in FORBIDDEN]
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def core_files() -> list[Path]:
    return sorted(p for package in CORE for p in (ROOT / package).rglob("*.py"))


def test_the_engine_and_the_store_import_no_platform() -> None:
    files = core_files()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"dialogs/engine.py", "storage/sqlite.py"} <= names, "the walk must actually see the code"
    offenders = {
        p.relative_to(ROOT).as_posix(): hits
        for p in files
        if (hits := forbidden_imports(p.read_text(encoding="utf-8"), str(p)))
    }
    assert offenders == {}


@pytest.mark.parametrize(("source", "expected"), [
    ("import slack_sdk", ["1: slack_sdk"]),
    ("from aiohttp import web", ["1: aiohttp"]),
    ("def f():\n    import botbuilder.core", ["2: botbuilder.core"]),
    ("import os, slack_bolt.async_app as bolt", ["1: slack_bolt.async_app"]),
    ("class C:\n    def m(self):\n        if True:\n            from slack_sdk.web import WebClient",
     ["4: slack_sdk.web"]),
    ("try:\n    import aiohttp\nexcept ImportError:\n    pass", ["2: aiohttp"]),
    ("import importlib\nm = importlib.import_module('slack_sdk')", ["2: slack_sdk"]),
    ("m = __import__('botbuilder.schema')", ["1: botbuilder.schema"]),
])
def test_the_checker_flags_platform_imports(source: str, expected: list[str]) -> None:
    assert forbidden_imports(source) == expected


@pytest.mark.parametrize("source", [
    "import slack_sdk_helpers",  # the top-level name must match exactly
    "import aiohttpx",
    "from dialogs import aiohttp_notes",
    "from . import aiohttp",  # a module of our own package, not the library
    "import aiosqlite\nimport jinja2",
    "name = 'slack_sdk'",
])
def test_the_checker_leaves_other_imports_alone(source: str) -> None:
    assert forbidden_imports(source) == []
