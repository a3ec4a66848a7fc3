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


def render(source: str, values: dict[str, Any]) -> str:
    """Render one checklist text with a case's values (plain text, not escaped)."""
    if "{" not in source:
        return source
    return str(_compiled(source).render(values))
