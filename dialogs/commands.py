"""The words after /offboard, the same on every surface."""

from __future__ import annotations

from dataclasses import dataclass

HELP = """\
/offboard CLIENT          open a case: asks for the stop date and the client contact
/offboard list            open cases with their progress
/offboard status CLIENT   where a client's case stands (CLIENT may also be a case id)
/offboard cancel CLIENT   cancel a client's open case (asks to confirm, with a reason)
/offboard reopen CLIENT   reopen a client's cancelled (or completed) case, with a reason
/offboard export CLIENT   the case's documents (memo, summary report, completed checklist)
/offboard help            this list"""

VERBS = ("help", "list", "status", "cancel", "reopen", "export")


@dataclass(frozen=True)
class Command:
    """One parsed /offboard command: a verb and its argument (the client, usually)."""

    verb: str  # open | help | list | status | cancel | reopen | export
    arg: str = ""


def parse_command(text: str) -> Command:
    """Parse the text after the slash command (a leading '/offboard' is allowed)."""
    words = text.strip()
    if words.lower().startswith("/offboard"):
        words = words[len("/offboard"):].strip()
    if not words:
        return Command("help")
    head, _, rest = words.partition(" ")
    verb = head.lower()
    if verb in VERBS:
        if verb in ("status", "cancel", "reopen", "export") and not rest.strip():
            return Command("help", f"/offboard {verb} needs a client name")
        return Command(verb, rest.strip())
    return Command("open", words)
