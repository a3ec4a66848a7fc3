"""Item texts: jinja2 templates from the checklist file, rendered with a case's values.

Only the checklist file (written by the MSP) is ever a template. What people
type (client names, answers) only ever enters as values, through a sandboxed
environment, so ``{{7*7}}`` in a client name stays ``{{7*7}}``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta
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
def _reads(source: str) -> tuple[str, ...] | None:
    """The names a text reads when they are all plain values (header fields, the client), else None."""
    names = template_variables(source)
    return None if "answer" in names else tuple(sorted(names))


@lru_cache(maxsize=8192)
def _render_plain(source: str, values: tuple[Any, ...]) -> str:
    return str(_compiled(source).render(dict(zip(_reads(source) or (), values, strict=True))))


def render(source: str, values: dict[str, Any]) -> str:
    """Render one checklist text with a case's values (plain text, not escaped).

    A text that reads only plain values ("Review {{ client }}'s account") is rendered once per
    client: a command derived each text up to three times, ~10 jinja renders a click."""
    if "{" not in source:
        return source
    names = _reads(source)
    if names is not None and all(isinstance(values.get(n), str) for n in names):
        return _render_plain(source, tuple(values[n] for n in names))
    return str(_compiled(source).render(values))
