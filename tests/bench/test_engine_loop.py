"""The in-process click loop (bench/engine.py --passes) runs at tiny scale and prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_click_loop_prints_cpu_per_click() -> None:
    done = subprocess.run([sys.executable, "-m", "bench.engine", "--cases", "2", "--passes", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "click + dispatcher round (wall)    n=    4" in done.stdout
    assert "CPU per click" in done.stdout
