"""Item texts: jinja2 templates from the checklist file, rendered with a case's values.

Only the checklist file (written by the MSP) is ever a template. What people
type (client names, answers) only ever enters as values, through a sandboxed
environment, so ``{{7*7}}`` in a client name stays ``{{7*7}}``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


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
