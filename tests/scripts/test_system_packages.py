"""scripts/system-packages on a fresh machine: fake dpkg, apt-get and id on PATH say what it does.

This machine has every package already, so the script runs as a subprocess
against small stand-ins: `dpkg -s` reports only the packages a test names as
installed, `apt-get` records how it was called, `id -u` says root or not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "system-packages"
NEEDED = ["chromium", "fonts-dejavu-core", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
          "postgresql"]
BASH = shutil.which("bash") or "/bin/bash"


def fake_bin(tmp: Path, installed: list[str], uid: int, *, dpkg: bool = True) -> Path:
    """A PATH directory with grep and make, and fake dpkg, apt-get and id."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for tool in ("grep", "make", "env", "bash", "sh", "python3"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    scripts = {
        "id": f'#!{BASH}\n[ "$1" = -u ] && echo {uid}\n',
        "apt-get": f'#!{BASH}\necho "apt-get $*" >> "{tmp}/apt.log"\n',
    }
    if dpkg:
        listed = " ".join(installed)
        scripts["dpkg"] = (f'#!{BASH}\n[ "$1" = -s ] || exit 2\n'
                           f'for p in {listed}; do [ "$p" = "$2" ] && '
                           'printf "Package: %s\\nStatus: install ok installed\\n" "$p" && exit 0; done\n'
                           'echo "dpkg-query: package \'$2\' is not installed" >&2; exit 1\n')
    for name, text in scripts.items():
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run(tmp: Path, installed: list[str], uid: int, *args: str, dpkg: bool = True,
        command: list[str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(fake_bin(tmp, installed, uid, dpkg=dpkg)), "HOME": str(tmp)}
    return subprocess.run(command or [BASH, str(SCRIPT), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)


def apt_calls(tmp: Path) -> list[str]:
    log = tmp / "apt.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_nothing_to_do_when_every_package_is_there(tmp_path: Path) -> None:
    done = run(tmp_path, NEEDED, 0)
    assert done.returncode == 0, done.stderr
    assert apt_calls(tmp_path) == []


def test_as_root_it_installs_exactly_what_is_missing(tmp_path: Path) -> None:
    done = run(tmp_path, ["fonts-dejavu-core", "libharfbuzz-subset0"], 0)
    assert done.returncode == 0, done.stderr
    assert apt_calls(tmp_path) == [
        "apt-get update -qq",
        "apt-get install -y --no-install-recommends chromium libpango-1.0-0 libpangoft2-1.0-0 "
        "postgresql -qq",
    ]


def test_without_root_it_stops_with_the_exact_command(tmp_path: Path) -> None:
    done = run(tmp_path, [p for p in NEEDED if p != "chromium"], 1000)
    assert done.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" in done.stderr
    assert apt_calls(tmp_path) == []


def test_check_only_reports(tmp_path: Path) -> None:
    done = run(tmp_path, [], 0, "--check")
    assert done.returncode == 1
    assert done.stdout.strip() == "missing: " + " ".join(NEEDED)
    assert apt_calls(tmp_path) == []


def test_without_dpkg_it_says_what_the_tests_need_and_goes_on(tmp_path: Path) -> None:
    done = run(tmp_path, [], 1000, dpkg=False)
    assert done.returncode == 0
    assert "chromium" in done.stderr and "postgresql" in done.stderr


@pytest.mark.slow
def test_make_test_stops_at_once_with_the_command_before_building_anything(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", clone / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", clone / "pyproject.toml")
    shutil.copy(SCRIPT, clone / "scripts" / "system-packages")
    done = run(tmp_path, ["fonts-dejavu-core"], 1000, command=["make", "test"], cwd=clone)
    assert done.returncode != 0
    assert "sudo apt-get install -y --no-install-recommends chromium libpango-1.0-0" in done.stderr
    assert not (clone / ".venv").exists(), "stopped before bootstrapping the virtualenv"


def test_ci_uses_the_same_script() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/system-packages" in ci and "apt-get" not in ci
    assert os.access(SCRIPT, os.X_OK)
