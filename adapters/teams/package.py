"""The Teams app package: manifest.json, two icons and the zip Teams uploads, made from the configuration.

The manifest follows schema MANIFEST_VERSION (tests validate it against the
vendored copy of Microsoft's published schema). Teams has no slash commands:
the bot's commands are listed in ``commandLists``, as people type them. The
one resource-specific permission lets the bot read its own channels through
Microsoft Graph, to find a post whose answer was lost before posting again.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.ports import ConfigError, CoreSettings
from adapters.teams.config import APP_ID
from adapters.teams.settings_parts import GUID
from dialogs.commands import USAGES, help_lines

MANIFEST_VERSION = "1.24"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1D, 0x35, 0x57)
SCOPES = ["personal", "team"]
FILES = ("manifest.json", "color.png", "outline.png")


def manifest(config: CoreSettings) -> dict[str, Any]:
    """The app manifest for this bot registration and server."""
    table = config.extra.get("teams")
    if not isinstance(table, Mapping) or not str(table.get("public_url", "")).startswith("https://"):
        raise ConfigError("teams-package needs [teams] public_url, the https address of this server")
    app = table.get("app", {})
    if not isinstance(app, Mapping):
        raise ConfigError("[teams.app] must be a table")
    bot_id = next((config.environ[n].strip() for n in APP_ID if config.environ.get(n, "").strip()), "")
    if not GUID.match(bot_id):
        raise ConfigError(f"teams-package needs {APP_ID[0]}: the bot registration's app id (a GUID)")
    public = str(table["public_url"]).rstrip("/")
    name = str(app.get("name", "Offboard"))[:30]
    commands = [{"title": title, "description": f"{typed} — {what}"}
                for (typed, what), title in zip(help_lines("", "offboard "),
                                                (u.verb or "offboard" for u in USAGES),
                                                strict=True)]
    return {
        "$schema": SCHEMA, "manifestVersion": MANIFEST_VERSION, "version": str(app.get("version", "1.0.0")),
        "id": str(app.get("id", bot_id)),
        "developer": {"name": str(app.get("developer", name))[:32],
                      "websiteUrl": str(app.get("website_url", public)),
                      "privacyUrl": str(app.get("privacy_url", public)),
                      "termsOfUseUrl": str(app.get("terms_url", public))},
        "name": {"short": name, "full": "Offboard: remove a client from managed services"},
        "description": {
            "short": "Runs the MSP's remove-a-client SOP: cases, step cards, hand-offs.",
            "full": ("Type offboard CLIENT to open a case. Offboard keeps a live summary of each case in the "
                     "cases channel, posts each routing step to its department's channel as a card with "
                     "buttons, mentions the next department when a step is complete, and posts the \"What's "
                     "Next\" memo, the client summary report and the completed checklist into the case's "
                     "thread as download links.")},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{"botId": bot_id, "scopes": SCOPES, "isNotificationOnly": False, "supportsFiles": False,
                  "commandLists": [{"scopes": SCOPES, "commands": commands}]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(public).netloc],
        "webApplicationInfo": {"id": bot_id, "resource": "https://RscBasedStoreApp"},
        "authorization": {"permissions": {"resourceSpecific": [
            {"name": "ChannelMessage.Read.Group", "type": "Application"}]}},
    }


def write_package(config: CoreSettings, out: Path) -> Path:
    """manifest.json, color.png, outline.png and offboard-teams.zip (the three, at its root) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"manifest.json": json.dumps(manifest(config), indent=2).encode() + b"\n",
             "color.png": icon(192, (*ACCENT, 255), (255, 255, 255, 255)),
             "outline.png": icon(32, (0, 0, 0, 0), (255, 255, 255, 255))}
    for name, data in files.items():
        (out / name).write_bytes(data)
    package = out / "offboard-teams.zip"
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
        for name in FILES:
            z.writestr(name, files[name])
    return package


def icon(size: int, background: tuple[int, ...], ring: tuple[int, ...]) -> bytes:
    """A square PNG (RGBA): a ring, the app's mark, on a background."""
    centre, outer, inner = (size - 1) / 2, size * 0.38, size * 0.24
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter: none
        for x in range(size):
            d = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            row += bytes(ring if inner <= d <= outer else background)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))
