"""Seeded databases kept between runs, keyed by everything that shapes them."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from bench.workspace import ROOT

SHAPING = ("storage/migrations/*.sql", "dialogs/checklists/*.toml",
           "bench/seed.py", "bench/population.py", "bench/walk.py", "dialogs/summaries.py",
           "adapters/slack/cards.py", "adapters/slack/messages.py", "adapters/slack/blocks.py")
"""The files whose change makes a cached database stale: its schema, the checklists, the seeding code,
and the Slack rendering of the cards the fake is preloaded with."""


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/offboard-bench, or ~/.cache/offboard-bench."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "offboard-bench"


def key(parts: Iterable[object], patterns: Iterable[str] = SHAPING) -> str:
    """A short digest of the parameters and of the shaping files' contents."""
    h = hashlib.sha256(repr(list(parts)).encode())
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


async def cached(cache_dir: Path, name: str, digest: str, build: Callable[[Path], Awaitable[None]]) -> Path:
    """The folder ``name-digest``, built by ``build(folder)`` unless a complete one exists.

    It is built under a temporary name and renamed when complete, so an interrupted
    seed is never reused; older folders of the same name are removed afterwards. Put
    the parameters in ``name`` (``population-10000-100000``): a run at another size
    then keeps the big population instead of replacing it.
    """
    final = cache_dir / f"{name}-{digest}"
    if (final / "complete").exists():
        return final
    scratch = cache_dir / f".{name}-{digest}.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        await build(scratch)
        (scratch / "complete").write_text("seeded\n", encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        scratch.rename(final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for old in _others(cache_dir, name, final):
        shutil.rmtree(old, ignore_errors=True)
    return final


def _others(cache_dir: Path, name: str, keep: Path) -> list[Path]:
    return [p for p in cache_dir.glob(f"{name}-*") if p != keep]
