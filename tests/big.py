"""Big input for the limits tests of every adapter: a checklist with hundreds of long items."""

from __future__ import annotations

from pathlib import Path


def big_checklist(path: Path, tasks: int) -> Path:
    """A checklist whose first step has ``tasks`` long tasks (with long notes), a text and a tickets item."""
    long = "Check the thing that has to be checked, " * 8
    lines = ['id = "big"', 'title = "Big removal for {{ client }}"', 'case_noun = "offboarding"',
             '[departments.admin]', 'label = "Admin"', '[departments.tech]', 'label = "Tech"',
             '[[header]]', 'id = "stop_date"', 'label = "Date service will stop"', 'kind = "date"',
             'required = true', 'not_past = true',
             '[[steps]]', 'id = "admin_one"', 'title = "Step one: every task there is"',
             'department = "admin"',
             '[[steps.items]]', 'id = "notes"', 'kind = "text"', 'text = "Anything to add?"',
             '[[steps.items]]', 'id = "tickets"', 'kind = "tickets"', 'text = "Open tickets"']
    for n in range(tasks):
        lines += ['[[steps.items]]', f'id = "task_{n:03d}"', 'kind = "task"', f'text = "{n}: {long}"',
                  f'note = "{long}"']
    lines += ['[[steps]]', 'id = "tech_two"', 'title = "Step two"', 'department = "tech"',
              '[[steps.items]]', 'id = "wrap_up"', 'kind = "task"', 'text = "Wrap up"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
