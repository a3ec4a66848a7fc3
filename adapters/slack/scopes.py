"""Which bot scope each Web API method the adapter calls needs; manifest.json must grant them all.

tests/slack checks that every method the fake Slack saw during the SOP walk is
in this table and that manifest.json grants its scopes.
"""

from __future__ import annotations

from collections.abc import Iterable

# method -> the bot scopes it needs (any one of a tuple of alternatives is listed in full:
# public and private channels need their own scope).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "views.open": (),
    "views.update": (),
    "views.push": (),
    "views.publish": (),
}

# Receiving the slash command needs its own scope, though no method is called for it.
FEATURE_SCOPES = ("commands",)

# Socket Mode opens its connection with the app-level token (xapp-), not the bot token.
APP_TOKEN_SCOPES: dict[str, tuple[str, ...]] = {"apps.connections.open": ("connections:write",)}


def scopes_for(methods: Iterable[str]) -> set[str]:
    """The bot scopes a set of methods needs; KeyError names a method missing from the table."""
    needed = set(FEATURE_SCOPES)
    for method in methods:
        if method in APP_TOKEN_SCOPES:
            continue
        needed.update(METHOD_SCOPES[method])
    return needed
