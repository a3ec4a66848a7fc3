"""The words after /offboard, the same on every surface.

``parse_command`` reads what a slash command carries (the text after
``/offboard``; a leading ``/offboard`` is allowed). ``parse_message`` reads a
line typed in a chat composer, where only ``/offboard ...`` is a command. A
mistyped verb or command is never taken for a client's name: it comes back
as the verb ``unknown`` with a "did you mean" in ``arg``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    """One command as help lists it; the verb "" is the plain ``/offboard CLIENT``."""

    verb: str
    args: str
    what: str


USAGES = (
    Usage("", "CLIENT", "open a case: asks for the stop date and the client contact"),
    Usage("list", "", "open cases with their progress"),
    Usage("status", "CLIENT", "where a client's case stands (CLIENT may also be a case id)"),
    Usage("cancel", "CLIENT", "cancel a client's open case (asks to confirm, with a reason)"),
    Usage("reopen", "CLIENT", "reopen a client's cancelled (or completed) case, with a reason"),
    Usage("export", "CLIENT", "post the case's documents into its thread (memo, summary report, checklist)"),
    Usage("date", "CLIENT", "move the service stop date (asks for the new date and why; due dates follow)"),
    Usage("open", "CLIENT", "open a case for a client whose name looks like a command"),
    Usage("help", "", "this list"),
)


def help_lines(verb_prefix: str = "/offboard ", open_prefix: str = "/offboard ") -> list[tuple[str, str]]:
    """(what to type, what it does) per command, as a surface types them (Teams: no slash)."""
    out = []
    for u in USAGES:
        typed = f"{open_prefix}{u.args}" if not u.verb else f"{verb_prefix}{u.verb} {u.args}"
        out.append((typed.strip(), u.what))
    return out


def help_text(verb_prefix: str = "/offboard ", open_prefix: str = "/offboard ") -> str:
    """The command list as aligned lines."""
    lines = help_lines(verb_prefix, open_prefix)
    width = max(len(typed) for typed, _ in lines) + 3
    return "\n".join(f"{typed:<{width}}{what}" for typed, what in lines)


HELP = help_text()

VERBS = ("open", "help", "list", "status", "cancel", "reopen", "export", "date")
NEEDS_CLIENT = ("open", "status", "cancel", "reopen", "export", "date")
COMMAND = "/offboard"
_PREFIX = re.compile(r"/offboard(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """One parsed /offboard command: a verb and its argument (the client, usually).

    verb: open | help | list | status | cancel | reopen | export | date | unknown. For ``help``,
    ``arg`` is what was wrong (or empty); for ``unknown`` it is the help's first
    line: what was not understood and what was probably meant.
    """

    verb: str
    arg: str = ""


def parse_command(text: str) -> Command:
    """Parse the text after the slash command (a leading '/offboard' is allowed)."""
    words = text.strip()
    if _PREFIX.match(words):
        words = words[len(COMMAND):].strip()
    if not words:
        return Command("help")
    head, _, rest = words.partition(" ")
    verb, rest = head.lower(), rest.strip()
    if verb in VERBS:
        if verb in NEEDS_CLIENT and not rest:
            return Command("help", f"{COMMAND} {verb} needs a client name")
        return Command(verb, rest)
    meant = _near(verb, VERBS, 1)
    if meant is not None:
        return Command("unknown", f"Did you mean {_join(COMMAND, meant, rest)}? To open a case for a client "
                                  f"named “{words}”, type {COMMAND} open {words}.")
    return Command("open", words)


def parse_message(text: str) -> Command:
    """Parse a line typed in a composer: '/offboard ...' is a command; anything else gets help."""
    words = text.strip()
    head, _, rest = words.partition(" ")
    rest = rest.strip()
    if head.lower() == COMMAND:
        return parse_command(rest)
    bare = head.lower().lstrip("/")
    if bare and _near(bare, ("offboard",), 2):
        return Command("unknown", f"Did you mean {_join(COMMAND, rest)}?")
    if head.startswith("/") and (meant := _near(bare, VERBS, 1)) is not None:
        return Command("unknown", f"Did you mean {_join(COMMAND, meant, rest)}?")
    shown = words if len(words) <= 40 else words[:40] + "…"
    return Command("unknown", f"“{shown}” is not a command. Commands start with {COMMAND}; "
                              f"to open a case, type {COMMAND} CLIENT.")


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _near(word: str, choices: tuple[str, ...], most: int) -> str | None:
    """The choice `word` is a typo of: at most `most` edits (a swap of neighbours counts one)."""
    if len(word) < 3:
        return None
    best = min(choices, key=lambda c: _edits(word, c))
    return best if _edits(word, best) <= most else None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
