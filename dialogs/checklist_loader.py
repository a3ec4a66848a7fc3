"""Checklist files: read from TOML and validated whole.

A bad file is refused with a ChecklistError naming the file and the path to
the bad field, e.g. ``offboarding.toml: steps[1].items[4].when.item: unknown
item 'newsleter'``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dialogs.checklist import (
    AMOUNT_FIELDS,
    DECISIONS,
    DOCUMENTS,
    HEADER_KINDS,
    ITEM_KINDS,
    Checklist,
    Closes,
    DueRule,
    HeaderField,
    ItemDef,
    NearDate,
    StepDef,
)
from dialogs.checklist_rules import check_references, check_templates
from dialogs.conditions import All, Any_, Condition, ItemAnswered, ItemIs, Not, TicketsClosed
from dialogs.due_rule import parse_rule
from dialogs.errors import ChecklistError


def load_checklist(path: str | Path) -> Checklist:
    """Read and validate a checklist file; raise ChecklistError on any problem."""
    path = Path(path)
    name = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChecklistError(str(path), "", "no such file") from None
    except OSError as exc:  # a directory, no permission, ...: an error, not a traceback
        raise ChecklistError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ChecklistError(name, "", f"not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(name, "", f"not valid TOML: {exc}") from None
    return _Loader(name).checklist(raw, str(path))


class _Loader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> ChecklistError:
        return ChecklistError(self.file, path, problem)

    def table(self, raw: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                raise self.fail(f"{path}.{key}" if path else key, "unknown field")

    def get(self, raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str,
            required: bool = False, default: Any = None) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in raw:
            if required:
                raise self.fail(where, "required field is missing")
            return default
        value = raw[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(where, f"expected {names}, got {type(value).__name__}")
        if isinstance(value, str) and kind is str and required and not value.strip():
            raise self.fail(where, "must not be empty")
        return value

    def ident(self, raw: Mapping[str, Any], key: str, path: str) -> str:
        value: str = self.get(raw, key, str, path, required=True)
        if not value.replace("_", "").isalnum() or not value.isascii() or len(value) > 64:
            raise self.fail(f"{path}.{key}", f"{value!r} is not an id (letters, digits, _)")
        return value

    def checklist(self, raw: Mapping[str, Any], source: str) -> Checklist:
        self.table(raw, "", {"id", "title", "case_noun", "departments", "header", "steps"})
        cid = self.ident(raw, "id", "")
        title = self.get(raw, "title", str, "", required=True)
        departments = self.departments(self.get(raw, "departments", dict, "", required=True))
        header = self.header(self.get(raw, "header", list, "", required=True))
        steps_raw = self.get(raw, "steps", list, "", required=True)
        if not steps_raw:
            raise self.fail("steps", "a checklist needs at least one step")
        steps = [self.step(s, f"steps[{i}]", i, departments) for i, s in enumerate(steps_raw)]
        checklist = Checklist(cid, title, departments, tuple(header), tuple(steps), source,
                              self.get(raw, "case_noun", str, "", default="case"))

        check_references(self.fail, checklist, steps_raw)
        check_templates(self.fail, checklist)
        return checklist

    def departments(self, raw: Mapping[str, Any]) -> dict[str, str]:
        if not raw:
            raise self.fail("departments", "name at least one department")
        out = {}
        for key, value in raw.items():
            path = f"departments.{key}"
            if not isinstance(value, dict):
                raise self.fail(path, "expected a table with a label")
            self.table(value, path, {"label"})
            out[key] = self.get(value, "label", str, path, required=True)
        return out

    def header(self, raw: list[Any]) -> list[HeaderField]:
        fields: list[HeaderField] = []
        for i, entry in enumerate(raw):
            path = f"header[{i}]"
            if not isinstance(entry, dict):
                raise self.fail(path, "expected a table")
            self.table(entry, path, {"id", "label", "kind", "required", "not_past", "default"})
            hid = self.ident(entry, "id", path)
            if hid == "client" or any(f.id == hid for f in fields):
                raise self.fail(f"{path}.id", f"duplicate header id {hid!r}")
            kind = self.get(entry, "kind", str, path, required=True)
            if kind not in HEADER_KINDS:
                raise self.fail(f"{path}.kind", f"unknown kind {kind!r}; one of {', '.join(HEADER_KINDS)}")
            default = self.get(entry, "default", str, path)
            if default is not None and (kind != "date" or default != "today"):
                raise self.fail(f"{path}.default", "only a date field may default, to \"today\"")
            not_past = self.get(entry, "not_past", bool, path, default=False)
            if not_past and kind != "date":
                raise self.fail(f"{path}.not_past", "only a date field can be not_past")
            fields.append(HeaderField(hid, self.get(entry, "label", str, path, required=True), kind,
                                      self.get(entry, "required", bool, path, default=False),
                                      not_past, default))
        return fields

    ITEM_KEYS = frozenset({
        "id", "kind", "text", "parent", "when", "behind", "after", "manager", "na_allowed",
        "note", "input_label", "fields", "allow_zero", "default", "choices", "detail",
        "document", "open_when", "confirm", "suggest", "rebate_of", "copy_text", "closes", "at_most",
        "confirm_unused", "not_before", "confirm_near", "due",
    })

    def step(self, raw: Any, path: str, index: int, departments: Mapping[str, str]) -> StepDef:
        if not isinstance(raw, dict):
            raise self.fail(path, "expected a table")
        self.table(raw, path, {"id", "title", "department", "log_hours", "items", "due"})
        sid = self.ident(raw, "id", path)
        department = self.get(raw, "department", str, path, required=True)
        if department not in departments:
            raise self.fail(f"{path}.department", f"unknown department {department!r}")
        log_hours = self.get(raw, "log_hours", bool, path, default=False)
        items_raw = self.get(raw, "items", list, path, required=True)
        if not items_raw:
            raise self.fail(f"{path}.items", "a step needs at least one item")
        items = []
        for j, entry in enumerate(items_raw):
            ipath = f"{path}.items[{j}]"
            if not isinstance(entry, dict):
                raise self.fail(ipath, "expected a table")
            items.append(self.item(entry, ipath, sid, department, index * 1000 + j, log_hours))
        return StepDef(sid, self.get(raw, "title", str, path, required=True), department,
                       index + 1, tuple(items), log_hours, self.due(raw.get("due"), f"{path}.due"))

    def item(self, raw: Mapping[str, Any], path: str, step: str, department: str,
             position: int, log_hours: bool) -> ItemDef:
        self.table(raw, path, set(self.ITEM_KEYS))
        kind = self.get(raw, "kind", str, path, required=True)
        if kind not in ITEM_KINDS:
            raise self.fail(f"{path}.kind", f"unknown kind {kind!r}; one of {', '.join(ITEM_KINDS)}")
        def g(key: str, typ: type | tuple[type, ...], **kw: Any) -> Any:
            return self.get(raw, key, typ, path, **kw)

        fields = tuple(g("fields", list, default=[]))
        for k, f in enumerate(fields):
            if f not in AMOUNT_FIELDS:
                raise self.fail(f"{path}.fields[{k}]", f"unknown amount field {f!r}")
        if kind == "amount" and not fields:
            raise self.fail(f"{path}.fields", "an amount needs dollars and/or hours")
        choices = tuple(g("choices", list, default=[]))
        if kind == "choice" and (len(choices) < 2 or not all(isinstance(c, str) and c for c in choices)):
            raise self.fail(f"{path}.choices", "a choice needs at least two non-empty choices")
        document = g("document", str)
        if kind == "generated" and document not in DOCUMENTS:
            raise self.fail(f"{path}.document", f"a generated item names one of {', '.join(DOCUMENTS)}")
        after = g("after", list, default=[])
        if not all(isinstance(a, str) for a in after):
            raise self.fail(f"{path}.after", "expected a list of item ids")
        item = ItemDef(
            id=self.ident(raw, "id", path), kind=kind, text=g("text", str, required=True),
            step=step, department=department, position=position, parent=g("parent", str),
            when=self.condition(raw.get("when"), f"{path}.when"),
            behind=g("behind", str), after=tuple(after), manager=g("manager", bool, default=False),
            na_allowed=g("na_allowed", bool, default=True), note=g("note", str),
            input_label=g("input_label", str), fields=fields,
            allow_zero=g("allow_zero", bool, default=False), default=g("default", str),
            choices=choices, detail=g("detail", str), document=document,
            open_when=self.condition(raw.get("open_when"), f"{path}.open_when"),
            confirm=g("confirm", str), suggest=self.condition(raw.get("suggest"), f"{path}.suggest"),
            rebate_of=g("rebate_of", str), copy_text=g("copy_text", str),
            log_hours=log_hours and kind in ("task", "text"),
            closes=self.closes(raw.get("closes"), f"{path}.closes", kind),
            at_most=g("at_most", str), confirm_unused=g("confirm_unused", bool, default=False),
            not_before=g("not_before", str),
            confirm_near=self.near(raw.get("confirm_near"), f"{path}.confirm_near", kind),
            due=self.due(raw.get("due"), f"{path}.due"),
        )
        if kind == "gate" and item.open_when is None and item.confirm is None:
            raise self.fail(path, "a gate needs open_when, confirm, or both")
        if kind != "gate" and (item.open_when is not None or item.confirm is not None):
            raise self.fail(f"{path}.open_when" if item.open_when else f"{path}.confirm",
                            "only a gate has open_when/confirm")
        return item

    def closes(self, raw: Any, path: str, kind: str) -> Closes | None:
        if raw is None:
            return None
        if kind != "task":
            raise self.fail(path, "only a task closes tickets")
        if not isinstance(raw, dict):
            raise self.fail(path, 'expected a table such as { tickets = "open_tickets", decision = "close" }')
        self.table(raw, path, {"tickets", "decision"})
        decision = self.get(raw, "decision", str, path, required=True)
        if decision not in DECISIONS:
            raise self.fail(f"{path}.decision",
                            f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
        return Closes(self.get(raw, "tickets", str, path, required=True), decision)

    def near(self, raw: Any, path: str, kind: str) -> NearDate | None:
        if raw is None:
            return None
        if kind != "date":
            raise self.fail(path, "only a date item has confirm_near")
        if not isinstance(raw, dict):
            raise self.fail(path, "expected a table such as { field = \"stop_date\", days = 62 }")
        self.table(raw, path, {"field", "days"})
        days = self.get(raw, "days", int, path, required=True)
        if days < 1:
            raise self.fail(f"{path}.days", "must be 1 or more")
        return NearDate(self.get(raw, "field", str, path, required=True), days)

    def due(self, raw: Any, path: str) -> DueRule | None:
        """``due = {...}`` of a step or item (dialogs.due_rule); its anchor is checked with the rest."""
        return parse_rule(raw, path, self.fail, self.get, self.table)

    def condition(self, raw: Any, path: str) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or not raw:
            raise self.fail(path, "a condition is a table such as { item = \"x\", is = true }")
        if "all" in raw or "any" in raw:
            key = "all" if "all" in raw else "any"
            self.table(raw, path, {key})
            parts = raw[key]
            if not isinstance(parts, list) or not parts:
                raise self.fail(f"{path}.{key}", "expected a non-empty list of conditions")
            conds = tuple(self.condition(p, f"{path}.{key}[{i}]") for i, p in enumerate(parts))
            return (All if key == "all" else Any_)(conds)  # type: ignore[arg-type]
        if "not" in raw:
            self.table(raw, path, {"not"})
            inner = self.condition(raw["not"], f"{path}.not")
            assert inner is not None
            return Not(inner)
        if "tickets_closed" in raw:
            self.table(raw, path, {"tickets_closed"})
            return TicketsClosed(self.get(raw, "tickets_closed", str, path, required=True))
        self.table(raw, path, {"item", "is", "answered"})
        item = self.get(raw, "item", str, path, required=True)
        if "is" in raw:
            if "answered" in raw:
                raise self.fail(path, "use either is or answered, not both")
            return ItemIs(item, self.get(raw, "is", (bool, str), path))
        if raw.get("answered") is True:
            return ItemAnswered(item)
        raise self.fail(path, "a condition on an item needs is = ... or answered = true")
