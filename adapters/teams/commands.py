"""What someone typed to the bot, as the shared command (dialogs.commands).

Teams has no slash commands: people type ``offboard AcmeCo`` in a personal
chat, or ``@offboard offboard AcmeCo`` in a channel. The bot's own mention is
removed by its entity — exactly the ``<at>…</at>`` text Teams says it
inserted, once per mention — never by deleting its name from the text, so a
client called "offboard Inc" keeps its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.commands import VERBS, Command, parse_command

OPEN_WORD = "offboard"


def without_bot_mention(activity: Mapping[str, Any]) -> str:
    """The message text with the bot's own mentions taken out (other mentions stay)."""
    text = str(activity.get("text") or "")
    bot = str((activity.get("recipient") or {}).get("id") or "")
    for entity in activity.get("entities") or []:
        if not isinstance(entity, Mapping) or entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        markup = entity.get("text")
        if bot and mentioned.get("id") == bot and isinstance(markup, str) and markup in text:
            text = text.replace(markup, " ", 1)
    return " ".join(text.split())


def teams_command(text: str) -> Command:
    """``offboard CLIENT`` opens a case; ``list``, ``status X``... work with or without ``offboard``."""
    words = text.strip()
    head, _, rest = words.partition(" ")
    if head.lower() in (OPEN_WORD, "/" + OPEN_WORD):
        return _plain(parse_command(rest)) if rest.strip() else Command("help")
    if head.lower() in VERBS:
        return _plain(parse_command(words))
    if not words:
        return Command("help")
    return Command("help", f"Type offboard {words} to open a case for {words}, or pick a command below.")


def _plain(cmd: Command) -> Command:
    """Slack's wording of a problem, without its slash."""
    return Command(cmd.verb, cmd.arg.replace("/offboard ", "")) if cmd.verb == "help" else cmd
