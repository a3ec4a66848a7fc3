"""The benchmark's Slack workspace: channels, people, the bot's config file and environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.fake import BOT_TOKEN
from bench.payloads import SIGNING_SECRET

CASES, ADMIN, TECH = "C0CASES", "C0ADMIN", "C0TECH"
MANAGERS_GROUP, TECH_GROUP = "S0MANAGERS", "S0TECH"
ADMINS = tuple(f"U0ADMIN{n:02d}" for n in range(20))
TECHS = tuple(f"U0TECH{n:02d}" for n in range(5))
MANAGER = "U0MANAGER"
PUBLIC_URL = "https://offboard.bench.example"
ROOT = Path(__file__).resolve().parent.parent
"""The repository: servers and the CLI run from here, so this worktree's code is what runs."""

CONFIG = f"""
[slack]
cases_channel = "{CASES}"
managers_group = "{MANAGERS_GROUP}"
document_format = "md"
public_url = "{PUBLIC_URL}"
# The fake Web API has no rate limit and the targets are measured against it: cards of every case share
# #admin, and at about one message a second per channel no load could converge (docs/BENCHMARKS.md).
pace_per_channel = 0

[slack.departments.admin]
channel = "{ADMIN}"

[slack.departments.tech]
channel = "{TECH}"
group = "{TECH_GROUP}"
"""


def write_config(run_dir: Path) -> Path:
    """The config file every server of a run reads."""
    path = run_dir / "offboard.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def bot_env(run_dir: Path, database: str, *, port: int = 8080, api_url: str = "") -> dict[str, str]:
    """The environment of ``python -m bot``: this database, the bench's config, the fake Slack."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OFFBOARD_", "SLACK_"))}
    env = {**base, "OFFBOARD_DATABASE": database, "OFFBOARD_CONFIG": str(write_config(run_dir)),
           "OFFBOARD_HOST": "127.0.0.1", "OFFBOARD_PORT": str(port),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           # Every server of a run signs alike (required with PostgreSQL: several processes).
           "OFFBOARD_SECRET_KEY": "the-benchmark-servers-share-this-key"}
    if api_url:
        env["SLACK_API_URL"] = api_url
    return env


def fake_setup(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What the fake Web API starts with: members, user groups, the messages already posted."""
    return {"members": {ADMIN: [*ADMINS, "U0BOT"], TECH: [*TECHS, "U0BOT"],
                        CASES: [*ADMINS, *TECHS, MANAGER]},
            "usergroups": {MANAGERS_GROUP: [MANAGER], TECH_GROUP: list(TECHS)},
            "messages": messages}
