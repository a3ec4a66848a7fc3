"""printable() passes text with nothing to show through as it is (its fast path) for every character."""

from __future__ import annotations

from dialogs.names import forbidden_character, printable


def test_no_character_python_calls_printable_is_one_a_terminal_must_be_shown() -> None:
    unsafe = [hex(c) for c in range(0x110000) if chr(c).isprintable() and forbidden_character(chr(c))]
    assert unsafe == []


def test_controls_are_still_shown_as_symbols() -> None:
    assert printable("Acme\x1b[2J\u202eCo") == "Acme\u241b[2J<U+202E>Co"
    assert printable("Acme Co") == "Acme Co"
