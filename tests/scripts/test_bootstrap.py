"""The venv bootstrap stays quiet: the license is an SPDX string, read by setuptools 77+ without warning."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_license_is_an_spdx_string_and_the_backend_reads_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT", "a TOML table printed ~130 lines of deprecation warnings"
    requires = project["build-system"]["requires"]
    assert "setuptools>=77" in requires, "older setuptools cannot read an SPDX license string"
