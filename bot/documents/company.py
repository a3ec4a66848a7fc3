"""The MSP as its documents show it: the ``[company]`` table of the config file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PAPER_SIZES = ("A4", "Letter")
_KEYS = ("name", "address", "signature", "phone", "email", "paper")


@dataclass(frozen=True)
class Company:
    """Name, letterhead and signature that every document carries."""

    name: str = "[Company name]"
    address: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    paper: str = "A4"
    configured: bool = False  # False: the name above is a placeholder

    @classmethod
    def from_table(cls, raw: Any) -> Company:
        """Read [company]; ValueError names the bad setting.

        ``address`` and ``signature`` are multi-line text (or a list of lines);
        ``paper`` is A4 or Letter.
        """
        if not isinstance(raw, Mapping):
            raise ValueError("must be a table")
        unknown = sorted(set(raw) - set(_KEYS))
        if unknown:
            raise ValueError(f"has unknown setting(s): {', '.join(unknown)} (known: {', '.join(_KEYS)})")
        name = " ".join(_lines(raw, "name"))
        paper = raw.get("paper", "A4")
        if paper not in PAPER_SIZES:
            raise ValueError(f"paper must be one of {', '.join(PAPER_SIZES)}, not {paper!r}")
        return cls(name=name or cls.name, address=_lines(raw, "address"),
                   signature=_lines(raw, "signature"), phone=" ".join(_lines(raw, "phone")),
                   email=" ".join(_lines(raw, "email")), paper=paper, configured=bool(name))

    def to_context(self) -> dict[str, Any]:
        """What templates see as ``company``."""
        return {"name": self.name, "address_lines": list(self.address),
                "signature_lines": list(self.signature) or [self.name],
                "phone": self.phone or None, "email": self.email or None, "paper": self.paper}


def _lines(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, "")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n".join(value)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text (a multi-line string or a list of lines)")
    return tuple(line.strip() for line in value.splitlines() if line.strip())
