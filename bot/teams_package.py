"""``python -m bot teams-package [-o DIR]``: the Teams app package, from the configuration."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from adapters.teams.package import write_package
from bot.config import Config


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The subcommand and its option."""
    p = sub.add_parser("teams-package", help="write the Teams app package (manifest, icons, zip)")
    p.add_argument("-o", "--out", default="teams-package", help="folder to write to (default: teams-package)")


def teams_package(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    """Write the package and say where it is and what to do with it."""
    package = write_package(config, Path(args.out))
    print(f"Wrote {package} (manifest.json, color.png, outline.png). Upload it in Teams: Apps > Manage your "
          "apps > Upload an app (docs/teams.md).", file=out)
    return 0
