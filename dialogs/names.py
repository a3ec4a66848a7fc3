"""Client names: what a person sees is what counts, and names that look alike are one client.

- Length is counted in grapheme clusters (``regex``'s ``\\X``): "é" typed as e plus
  an accent is one letter; a family emoji joined by ZWJ is one. A hard limit on
  code points stops 80 letters carrying 20,000 combining marks.
- A name must show something: U+3164 HANGUL FILLER, U+2800 BRAILLE PATTERN BLANK
  or only default-ignorable characters are refused.
- Control characters and bidi controls are refused; ZWJ/ZWNJ (emoji, scripts) are kept.
- The client key is a TR39 skeleton (Unicode's confusables.txt, as shipped by the
  ``confusable_homoglyphs`` package) of the name without spaces or case, so
  "АcmeCo" with a Cyrillic А is the same client as "AcmeCo".
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

import regex

from dialogs.errors import InvalidInput

CLIENT_NAME_MAX = 80
"""Grapheme clusters (what a person counts as characters)."""
CLIENT_NAME_MAX_CODE_POINTS = 10 * CLIENT_NAME_MAX
"""A hard limit behind the visible one: combining marks and emoji sequences fit, a flood does not."""

_INVISIBLE = regex.compile(
    r"[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Mn}\p{Me}\u2800]", regex.V1)
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_GRAPHEME = regex.compile(r"\X")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Format characters text may keep: joiners (emoji families, Indic scripts), the soft hyphen, emoji tags.
_FORMAT_KEPT = frozenset("\u200c\u200d\u00ad")


def forbidden_character(ch: str, *, multiline: bool = False) -> bool:
    """Whether typed text may not contain this character (controls, bidi controls, separators)."""
    if multiline and ch in "\n\t":
        return False
    if ch in BIDI_CONTROLS:
        return True
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch not in _FORMAT_KEPT and not 0xE0020 <= ord(ch) <= 0xE007F
    return category in ("Cc", "Zl", "Zp", "Cs")


def describe_character(ch: str) -> str:
    """U+001B (ESCAPE): how an error names a character that cannot be shown."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def clean_client_name(raw: str) -> str:
    """Trimmed client name: 1–80 characters as a person counts them, something visible, no controls."""
    name = " ".join(raw.split())
    bad = next((ch for ch in name if forbidden_character(ch)), None)
    if bad is not None:
        raise InvalidInput(f"Client name must not contain control characters ({describe_character(bad)})",
                           field="client")
    if not name:
        raise InvalidInput("Client name is required", field="client")
    if len(name) > CLIENT_NAME_MAX_CODE_POINTS:
        raise InvalidInput(f"Client name is too long ({len(name)} code points; the limit is "
                           f"{CLIENT_NAME_MAX_CODE_POINTS})", field="client")
    if not _INVISIBLE.sub("", name):
        raise InvalidInput("Client name has nothing visible in it", field="client")
    graphemes = len(_GRAPHEME.findall(unicodedata.normalize("NFC", name)))
    if graphemes > CLIENT_NAME_MAX:
        raise InvalidInput(f"Client name is {graphemes} characters; the limit is {CLIENT_NAME_MAX}",
                           field="client")
    return name


def client_key(name: str) -> str:
    """The key two client names must share to be the same client: no spaces, no case, no look-alikes."""
    folded = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return skeleton(_IGNORABLE.sub("", folded))


def legacy_client_key(name: str) -> str:
    """The key cases opened before look-alikes were folded were stored under."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character replaced by its confusable prototype, NFD again."""
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@cache
def _prototypes() -> dict[str, str]:
    """Character -> the representative of its confusable class.

    confusable_homoglyphs keeps confusables.txt as a two-way map: a source character
    lists its one prototype; a prototype lists every source. A class is a star around
    its prototype, so the prototype is the member that lists more than one other; a
    class of two (one source, one prototype) cannot say which is which, so the smaller
    code point stands for both. Equal skeletons therefore mean what TR39 means.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    # Right-to-left characters are stored wrapped in U+200E marks; the marks are not part of them.
    data = {key.strip("\u200e"): [o["c"].strip("\u200e") for o in others]
            for key, others in json.loads(raw).items()}
    table: dict[str, str] = {}
    for char, others in data.items():
        if len(char) != 1 or len(others) != 1:
            continue  # a prototype (it lists several sources), or a sequence: stands for itself
        other = others[0]
        if len(other) > 1 or len(data.get(other, ())) > 1:  # sources are single characters
            table[char] = other
        else:
            table[char] = min(char, other)
    return table


def printable(text: str, keep: str = "") -> str:
    """Text safe to print on a terminal: control characters shown as symbols, never acted on.

    C0 controls become their Control Pictures (ESC -> ␛), DEL ␡, C1 controls \\x9b, and bidi
    controls and other invisible formatting <U+202E>. Characters in ``keep`` (say "\\n") stay.
    """
    if text.isprintable():  # no control, format, separator or surrogate character: nothing to show
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in keep or not forbidden_character(ch):
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"<U+{code:04X}>")
    return "".join(out)
