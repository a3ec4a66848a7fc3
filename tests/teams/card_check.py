"""What Teams checks of a card, and what a person reads on it.

``problems`` validates a card against the vendored Adaptive Cards 1.5 JSON
schema (the ``msteams`` property is Teams' own extension of the root card:
it is checked here by hand, then removed before the schema sees the card),
and the rules Teams adds: version at most 1.5, unique input ids, every
mention's ``<at>`` text present in a TextBlock of the card.
``shown`` is the text a person reads, as Teams renders it: TextRuns
literally, TextBlocks with their mentions turned into ``@name``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "adaptive-card-1.5.json").read_text("utf-8"))
VALIDATOR = Draft6Validator(SCHEMA)
# Speed, same verdicts: the schema lists the elements a body (or a Container, a Column) may hold, and
# the actions an ActionSet may hold, as anyOf[{required: [type], allOf: [$ref T]}] over every type T,
# and each T's own "type" enum admits only T. So a node is checked against its own type's definition
# with those child lists emptied, then each child the same way; each verdict is remembered, so an
# edited card re-checks only what changed.
_CHILDREN = {"AdaptiveCard": ("body", "actions"), "Container": ("items",), "Column": ("items",),
             "ActionSet": ("actions",)}
_BY_TYPE: dict[str, Draft6Validator] = {}
_SEEN: dict[str, str | None] = {}
MAX_VERSION = (1, 5)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a card, depth first (elements, actions, inline runs, nested cards)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def problems(content: Any) -> list[str]:
    """Why Teams would refuse or misrender a card ([] when it would not)."""
    if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    out: list[str] = []
    version = tuple(int(p) for p in str(content.get("version", "0")).split(".")[:2])
    if version > MAX_VERSION:
        out.append(f"version {content.get('version')} is above Teams' 1.5")
    teams = content.get("msteams", {})
    if set(teams) - {"width", "entities"}:
        out.append(f"unknown msteams keys {sorted(set(teams) - {'width', 'entities'})}")
    plain = {k: v for k, v in content.items() if k != "msteams"}
    out += _check(plain, "")
    ids = [n["id"] for n in walk(content.get("body", [])) if str(n.get("type", "")).startswith("Input.")]
    if len(ids) != len(set(ids)):
        out.append(f"duplicate input ids {ids}")
    body = content.get("body", [])
    blocks = " ".join(n.get("text", "") for n in walk(body) if n.get("type") == "TextBlock")
    for entity in teams.get("entities", []):
        mentioned = entity.get("mentioned") or {}
        if entity.get("type") != "mention" or not mentioned.get("id") or not mentioned.get("name"):
            out.append(f"bad mention entity {entity}")
        elif entity.get("text") not in blocks:
            out.append(f"mention {entity.get('text')!r} does not appear in the card's text")
    return out


def _check(node: Any, where: str) -> list[str]:
    """A node against its type's definition (child lists emptied), then each child."""
    kind = node.get("type") if isinstance(node, dict) else None
    if not isinstance(kind, str) or kind not in SCHEMA["definitions"] or kind.startswith(
            ("Implementations", "Extendable")):
        return [f"schema: unknown type {kind!r} at {where or '/'}"]
    children = [k for k in _CHILDREN.get(kind, ()) if isinstance(node.get(k), list)]
    shell = {**node, **{k: [] for k in children}}
    out = [v for v in [_verdict(kind, shell, where)] if v]
    for key in children:
        for n, child in enumerate(node[key]):
            out += _check(child, f"{where}{key}/{n}/")
    return out


def _verdict(kind: str, instance: Any, where: str) -> str | None:
    key = json.dumps(instance, sort_keys=True)
    if key not in _SEEN:
        if kind not in _BY_TYPE:
            schema = {"$ref": f"#/definitions/{kind}", "definitions": SCHEMA["definitions"]}
            _BY_TYPE[kind] = Draft6Validator(schema)
        error = best_match(_BY_TYPE[kind].iter_errors(instance))
        _SEEN[key] = None if error is None else (
            f"schema: {error.message[:300]} at {where}{'/'.join(str(p) for p in error.absolute_path)}")
    return _SEEN[key]


def mentions(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Whom a card mentions (the entities' ``mentioned`` objects)."""
    return [e["mentioned"] for e in content.get("msteams", {}).get("entities", [])]


def shown(content: dict[str, Any]) -> str:
    """The card's text as a person reads it (lines of runs; buttons in brackets)."""
    names = {e["text"]: "@" + e["mentioned"]["name"] for e in content.get("msteams", {}).get("entities", [])}
    lines: list[str] = []
    for node in walk(content.get("body", [])):
        kind = node.get("type")
        if kind == "RichTextBlock":
            lines.append("".join(r if isinstance(r, str) else r.get("text", "") for r in node["inlines"]))
        elif kind == "TextBlock":
            text = node.get("text", "")
            for markup, name in names.items():
                text = text.replace(markup, name)
            lines.append(re.sub(r"\*\*(.+?)\*\*", r"\1", text))
        elif str(kind).startswith("Action.") and "title" in node:
            lines.append(f"[{node.get('title', '')}]")
    lines += [f"[{a.get('title', '')}]" for a in content.get("actions", [])]
    return "\n".join(lines)
