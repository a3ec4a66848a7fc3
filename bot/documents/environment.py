"""The one jinja2 environment documents are rendered with.

- Sandboxed, and only template files are ever compiled: the MSP's override
  folder first, then the built-in templates. Values (client names, answers)
  only ever enter as data, so ``{{7*7}}`` typed by a person stays ``{{7*7}}``.
- ``*.html.j2`` templates autoescape HTML.
- Every other template (``*.md.j2``) escapes for Markdown: each printed
  ``{{ value }}`` passes through the ``md`` filter unless it is marked safe,
  so ``<script>`` and ``*`` show literally wherever the Markdown is rendered.
  Markdown is plain text, not HTML: "Acme & Sons" stays "Acme & Sons"; only
  what Markdown would read as markup gets a backslash (``\\<b>``, ``\\&amp;``).
- StrictUndefined: a misspelt variable fails the render instead of printing
  nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"

# Significant anywhere in a line: emphasis, code, links and images, tables, strikethrough, escapes;
# "<" where it could open a tag, a comment or an autolink; "&" where it could start an entity.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]|~]|<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;))")
# Significant where a value starts a line: headings, list markers and rules (when a space, the end
# or another marker follows), block quotes, ordered list markers ("1. ", "2) ").
_MD_LINE_START = re.compile(r"^(?:([#+\-=])(?=[\s#+\-=]|$)|(>)|(\d{1,9})([.)])(?=\s|$))")
_NEWLINES = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def md_escape(value: Any) -> Markup:
    """Plain text made safe for Markdown: reads as typed in the file, shows literally when rendered, one line.

    Only what Markdown would take as markup gets a backslash escape (CommonMark
    allows one before any ASCII punctuation); nothing becomes an HTML entity.
    """
    if isinstance(value, Markup):
        return value
    text = _NEWLINES.sub(" ", str(value))  # one line: a line break could end a list item or a table row
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(_escape_line_start, text)
    return Markup(text)


def _escape_line_start(m: re.Match[str]) -> str:
    return f"{m[3]}\\{m[4]}" if m[3] else f"\\{m[1] or m[2]}"


@pass_eval_context
def _finalize(eval_ctx: EvalContext, value: Any) -> Any:
    """Escape every printed value for Markdown where HTML autoescaping is off (the .md.j2 templates)."""
    if eval_ctx.autoescape or value is None or isinstance(value, Markup | int | float | bool):
        return value
    return md_escape(value)


def _lines(value: Any) -> list[str]:
    """Split multi-line text into lines (for addresses and signatures)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [line for line in str(value).splitlines() if line.strip()]


@lru_cache(maxsize=8)
def environment(override: Path | None = None) -> SandboxedEnvironment:
    """The documents' environment: override folder first, then the built-in templates."""
    loaders = []
    if override is not None:
        if not override.is_dir():
            raise FileNotFoundError(f"template folder {override} does not exist")
        loaders.append(FileSystemLoader(override))
    loaders.append(FileSystemLoader(BUILTIN_TEMPLATES))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html", "htm"), default=False),
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["md"] = md_escape
    env.filters["lines"] = _lines
    return env
