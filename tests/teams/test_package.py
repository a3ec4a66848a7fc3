"""`python -m bot teams-package` writes an app package whose manifest validates against Microsoft's schema."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft7Validator, validators

from adapters.teams.commands import teams_command
from adapters.teams.package import MANIFEST_VERSION

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "teams-manifest-1.24.json").read_text("utf-8"))
# The published schema says draft-04 but uses draft-06's "const" (for manifestVersion): enforce it too.
Validator = validators.extend(Draft4Validator, {"const": Draft7Validator.VALIDATORS["const"]})
BOT_ID = "11111111-2222-4333-8444-555555555555"


def run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "offboard.toml"
    config.write_text('[teams]\ncases_channel = "19:cases@thread.tacv2"\n'
                      'public_url = "https://offboard.example.com"\n'
                      '[teams.app]\ndeveloper = "Example MSP"\nversion = "1.2.0"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", "teams-package", "-o", str(tmp_path / "pkg")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "OFFBOARD_CONFIG": str(config),
                               "OFFBOARD_DATABASE": str(tmp_path / "db.sqlite"), **env})


def png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the pixel rows (RGBA) of a PNG the package made."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4: idat])[0]
    raw = zlib.decompress(data[idat + 4: idat + 4 + length])
    stride = width * 4 + 1
    return width, height, [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]


def test_the_package_validates_against_the_published_manifest_schema(tmp_path: Path) -> None:
    done = run(tmp_path, {"MicrosoftAppId": BOT_ID})  # the password is not needed to package
    assert done.returncode == 0, done.stderr
    assert "offboard-teams.zip" in done.stdout
    with zipfile.ZipFile(tmp_path / "pkg" / "offboard-teams.zip") as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"], "all at the zip's root"
        manifest: dict[str, Any] = json.loads(z.read("manifest.json"))
        color, outline = z.read("color.png"), z.read("outline.png")
    errors = sorted(Validator(SCHEMA).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
    assert manifest["manifestVersion"] == MANIFEST_VERSION == SCHEMA["properties"]["manifestVersion"]["const"]
    assert manifest["$schema"].endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    (bot,) = manifest["bots"]
    assert bot["botId"] == manifest["id"] == BOT_ID and set(bot["scopes"]) == {"personal", "team"}
    assert manifest["developer"]["name"] == "Example MSP" and manifest["version"] == "1.2.0"
    assert manifest["validDomains"] == ["offboard.example.com"]
    rsc = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert rsc == [{"name": "ChannelMessage.Read.Group", "type": "Application"}], "to find lost posts"

    # Teams has no slash commands: each listed command is what the bot understands when typed.
    commands = {c["title"]: c["description"] for c in bot["commandLists"][0]["commands"]}
    assert list(commands) == ["offboard", "list", "status", "cancel", "reopen", "export", "date", "open",
                              "help"]
    for title in commands:
        verb = teams_command(f"{title} AcmeCo" if title != "list" else title).verb
        assert verb == ("open" if title == "offboard" else title)

    assert png(color)[:2] == (192, 192)
    width, height, rows = png(outline)
    assert (width, height) == (32, 32)
    assert rows[0][3] == 0, "the outline icon's background is transparent"
    assert {bytes(r[i:i + 4]) for r in rows for i in range(0, len(r), 4)} == {
        b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"}, "and its mark is white"


def test_without_the_bot_id_the_package_says_what_is_missing(tmp_path: Path) -> None:
    done = run(tmp_path, {})
    assert done.returncode == 2
    assert "teams-package needs MicrosoftAppId" in done.stderr
