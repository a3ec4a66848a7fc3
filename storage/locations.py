"""Database locations as people may see them: never with a password."""

from __future__ import annotations


def describe(location: str) -> str:
    """The location without its password, for logs and messages."""
    scheme, sep, rest = location.partition("://")
    if not sep or "@" not in rest:
        return location
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}{':****' if ':' in credentials else ''}@{host}"
