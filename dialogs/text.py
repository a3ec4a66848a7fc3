"""Item texts: jinja2 templates from the checklist file, rendered with a case's values.

Only the checklist file (written by the MSP) is ever a template. What people
type (client names, answers) only ever enters as values, through a sandboxed
environment, so ``{{7*7}}`` in a client name stays ``{{7*7}}``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment


def money(value: Any, blank: str = "$___") -> str:
    """An amount as people read it everywhere: $1,500.00 (``blank`` when there is none yet)."""
    if not value:  # None, "", or an answer not given yet (jinja's Undefined)
        return blank
    try:
        return f"${Decimal(str(value)):,.2f}"
    except ArithmeticError:  # not a number: shown as it is rather than failing the text
        return str(value)


_ENV = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)
_ENV.filters["money"] = money


def template_variables(source: str) -> set[str]:
    """The top-level names a template reads; ValueError if it does not parse."""
    try:
        return set(meta.find_undeclared_variables(_ENV.parse(source)))
    except TemplateSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: {exc.message}") from None


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    return _ENV.from_string(source)


@lru_cache(maxsize=1024)
def _reads(source: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """What a text reads: its plain names (header fields, the client) and the items whose answers it
    reads as ``answer.<item id>``; None when it reads ``answer`` any other way."""
    names = template_variables(source)
    if "answer" not in names:
        return tuple(sorted(names)), ()
    tree = _ENV.parse(source)
    reads = [n for n in tree.find_all(nodes.Getattr)
             if isinstance(n.node, nodes.Name) and n.node.name == "answer"]
    uses = sum(1 for n in tree.find_all(nodes.Name) if n.name == "answer")
    if uses != len(reads) or any(hasattr(dict, n.attr) for n in reads):  # answer.items is dict.items
        return None
    return tuple(sorted(names - {"answer"})), tuple(sorted({n.attr for n in reads}))


_RENDERED: dict[tuple[str, tuple[Any, ...]], str] = {}
_KEEP = 8192  # rendered texts kept; then the cache starts over


def render(source: str, values: dict[str, Any]) -> str:
    """Render one checklist text with a case's values (plain text, not escaped).

    A text is rendered once per set of values it reads: "Review {{ client }}'s account" once per
    client, "Collect {{ answer.prepayment.dollars | money }}" once per client and answer. A command
    derived each text up to three times, ~10 jinja renders a click."""
    if "{" not in source:
        return source
    reads = _reads(source)
    if reads is None or not all(isinstance(values.get(n), str) for n in reads[0]):
        return str(_compiled(source).render(values))
    answers = values.get("answer") or {}
    key = (source, (*(values[n] for n in reads[0]), *(_frozen(answers.get(i)) for i in reads[1])))
    if (text := _RENDERED.get(key)) is None:
        if len(_RENDERED) >= _KEEP:
            _RENDERED.clear()
        text = _RENDERED[key] = str(_compiled(source).render(values))
    return text


def _frozen(value: Any) -> Any:
    """An answer (JSON data) as a key: equal only when it renders the same (1, 1.0 and True do not)."""
    if isinstance(value, dict):
        return ("{", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("[", tuple(_frozen(v) for v in value))
    return (type(value), value)
