"""The rules a checklist file must keep across its items: references, order, sanity checks, cycles.

Each rule raises through ``fail(path, problem)``, which makes the loader's ChecklistError
naming the file and the path to the bad field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dialogs.checklist import Checklist, DueRule, ItemDef
from dialogs.conditions import All, Any_, Condition, ItemIs, Not, TicketsClosed
from dialogs.errors import ChecklistError
from dialogs.text import template_variables

Fail = Callable[[str, str], ChecklistError]


def _refs(cond: Condition, path: str) -> list[tuple[str, str]]:
    """(field path, item id) of every item a condition reads, e.g. ("….when.all[1].item", "x")."""
    if isinstance(cond, All | Any_):
        key = "all" if isinstance(cond, All) else "any"
        return [r for i, p in enumerate(cond.parts) for r in _refs(p, f"{path}.{key}[{i}]")]
    if isinstance(cond, Not):
        return _refs(cond.part, f"{path}.not")
    if isinstance(cond, TicketsClosed):
        return [(f"{path}.tickets_closed", cond.item)]
    return [(f"{path}.item", cond.item)]



def check_references(fail: Fail, checklist: Checklist, steps_raw: list[Any]) -> None:
    """Ids are unique, and every id an item names exists and is of the right kind."""
    where: dict[str, str] = {}
    for i, step in enumerate(checklist.steps):
        if any(s.id == step.id for s in checklist.steps[:i]):
            raise fail(f"steps[{i}].id", f"duplicate step id {step.id!r}")
        for j, item in enumerate(step.items):
            path = f"steps[{i}].items[{j}]"
            if item.id in where:
                first = where[item.id]
                raise fail(f"{path}.id", f"duplicate item id {item.id!r} (first at {first})")
            where[item.id] = path
    items = checklist.items
    gated: set[str] = set()
    for item in items.values():
        path = where[item.id]
        check_order(fail, checklist, item, path)
        check_sanity(fail, checklist, item, path)
        if item.parent is not None and item.parent not in items:
            raise fail(f"{path}.parent", f"unknown item {item.parent!r}")
        for key, cond in (("when", item.when), ("open_when", item.open_when), ("suggest", item.suggest)):
            if cond is None:
                continue
            for ref in cond.items():
                if ref not in items:
                    raise fail(f"{path}.{key}", f"condition names unknown item {ref!r}")
                if ref == item.id:
                    raise fail(f"{path}.{key}", "an item's condition cannot read the item itself")
            check_condition_kinds(fail, cond, items, f"{path}.{key}")
        for k, ref in enumerate(item.after):
            if ref not in items:
                raise fail(f"{path}.after[{k}]", f"unknown item {ref!r}")
        if item.behind is not None:
            gate = items.get(item.behind)
            if gate is None or gate.kind != "gate":
                raise fail(f"{path}.behind", f"{item.behind!r} is not a gate item")
            gated.add(item.behind)
        if item.rebate_of is not None:
            src = items.get(item.rebate_of)
            if item.kind != "amount" or src is None or src.kind != "amount":
                raise fail(f"{path}.rebate_of", "rebate_of links an amount to an amount item")
        if item.default is not None and item.default not in {h.id for h in checklist.header}:
            raise fail(f"{path}.default", f"unknown header field {item.default!r}")
        if item.detail is not None and item.kind != "yesno":
            raise fail(f"{path}.detail", "only a yes/no item asks for detail")
    for item in items.values():
        if item.kind == "gate" and item.id not in gated:
            raise fail(where[item.id], f"gate {item.id!r} has no items behind it")
    check_cycles(fail, items, where)
    for i, step in enumerate(checklist.steps):
        check_due(fail, checklist, step.due, step.number, f"steps[{i}].due")
    for item in items.values():
        check_due(fail, checklist, item.due, checklist.steps_by_id[item.step].number, f"{where[item.id]}.due",
                  item)


def check_due(fail: Fail, checklist: Checklist, rule: DueRule | None, here: int, path: str,
              item: ItemDef | None = None) -> None:
    """A due rule's anchor is the opening, a header date or a date item a case knows by this step."""
    if rule is None:
        return
    where = f"{path}.{rule.relation}"
    if item is not None and (item.kind == "generated" or (item.kind == "gate" and item.confirm is None)):
        raise fail(path, "nobody works this item by hand, so it cannot be due")
    header = {h.id: h for h in checklist.header}
    dates = [h.id for h in checklist.header if h.kind == "date"]
    if rule.anchor == "opened":
        return
    if rule.anchor in header:
        if header[rule.anchor].kind != "date":
            raise fail(where, f"header field {rule.anchor!r} is not a date")
        return
    target = checklist.items.get(rule.anchor)
    if target is None:
        known = ", ".join(["opened", *dates])
        raise fail(where, f"unknown anchor {rule.anchor!r}: {known}, or a date item")
    if target.kind != "date":
        raise fail(where, f"{rule.anchor!r} is not a date item (its kind is {target.kind})")
    if item is not None and target.id == item.id:
        raise fail(where, "an item cannot be due relative to its own answer")
    there = checklist.steps_by_id[target.step].number
    if there > here:
        raise fail(where, f"{rule.anchor!r} is answered in step {there}; step {here} cannot know it yet")

def check_order(fail: Fail, checklist: Checklist, item: ItemDef, path: str) -> None:
    """An item may wait only on its own step or an earlier one: a later step never comes first."""
    refs: list[tuple[str, str]] = [(f"{path}.after[{k}]", ref) for k, ref in enumerate(item.after)]
    if item.behind is not None:
        refs.append((f"{path}.behind", item.behind))
    for key, cond in (("when", item.when), ("open_when", item.open_when)):
        if cond is not None:
            refs += _refs(cond, f"{path}.{key}")
    here = checklist.steps_by_id[item.step].number
    for where, ref in refs:
        target = checklist.items.get(ref)
        if target is None:
            continue  # reported as unknown below
        there = checklist.steps_by_id[target.step].number
        if there > here:
            raise fail(where, f"{ref!r} is an item of step {there}; an item of step {here} cannot "
                                   "wait for a later step (every case would stay in this step forever)")

def check_sanity(fail: Fail, checklist: Checklist, item: ItemDef, path: str) -> None:
    """The checks on amounts and dates name items and header fields that exist and fit."""
    items, header = checklist.items, {h.id: h for h in checklist.header}
    here = checklist.steps_by_id[item.step].number
    if item.closes is not None:
        target = items.get(item.closes.tickets)
        if target is None or target.kind != "tickets":
            raise fail(f"{path}.closes.tickets", f"{item.closes.tickets!r} is not a tickets item")
        if checklist.steps_by_id[target.step].number > here:
            raise fail(f"{path}.closes.tickets", "the tickets item must be in this step or an earlier one")
    if item.at_most is not None:
        target = items.get(item.at_most)
        if item.kind != "amount" or target is None or target.kind != "amount":
            raise fail(f"{path}.at_most", "at_most links an amount to an amount item")
        if not set(item.fields) <= set(target.fields):
            raise fail(f"{path}.at_most", f"{item.at_most!r} has no {', '.join(item.fields)} to compare")
    if item.confirm_unused and item.rebate_of is None:
        raise fail(f"{path}.confirm_unused", "confirm_unused needs rebate_of (the prepaid amount)")
    for key, field in (("not_before", item.not_before),
                       ("confirm_near.field", item.confirm_near.field if item.confirm_near else None)):
        if field is None:
            continue
        if item.kind != "date":
            raise fail(f"{path}.{key}", "only a date item is checked against a header date")
        if field not in header or header[field].kind != "date":
            raise fail(f"{path}.{key}", f"{field!r} is not a date field of the header")

def check_condition_kinds(fail: Fail, cond: Condition, items: Mapping[str, ItemDef], path: str) -> None:
    """A condition compares an item with what that item can be answered with."""
    if isinstance(cond, TicketsClosed) and items[cond.item].kind != "tickets":
        raise fail(path, f"tickets_closed names {cond.item!r}, which is not a tickets item")
    if isinstance(cond, ItemIs):
        target = items[cond.item]
        if isinstance(cond.value, bool) and target.kind != "yesno":
            raise fail(path, f"{cond.item!r} is not a yes/no item")
        if isinstance(cond.value, str) and cond.value not in target.choices:
            raise fail(path, f"{cond.value!r} is not a choice of {cond.item!r}")
    for part in getattr(cond, "parts", ()):
        check_condition_kinds(fail, part, items, path)
    if isinstance(cond, Not):
        check_condition_kinds(fail, cond.part, items, path)

def check_cycles(fail: Fail, items: Mapping[str, ItemDef], where: Mapping[str, str]) -> None:
    """No item waits, through any chain, on itself."""
    def deps(item: ItemDef) -> list[str]:
        out = list(item.after)
        for cond in (item.when, item.open_when):
            if cond is not None:
                out.extend(cond.items())
        if item.behind:
            out.append(item.behind)
        return out

    state: dict[str, int] = {}

    def visit(iid: str, trail: list[str]) -> None:
        if state.get(iid) == 2:
            return
        if state.get(iid) == 1:
            loop = [*trail[trail.index(iid):], iid]
            raise fail(where[loop[0]], "dependency cycle: " + " -> ".join(loop))
        state[iid] = 1
        for dep in deps(items[iid]):
            visit(dep, [*trail, iid])
        state[iid] = 2

    for iid in items:
        visit(iid, [])

def check_templates(fail: Fail, checklist: Checklist) -> None:
    """Every text parses as a template and reads only values a case has."""
    allowed = {"client", "answer", *(h.id for h in checklist.header)}
    texts = [("title", checklist.title)]
    for i, step in enumerate(checklist.steps):
        texts.append((f"steps[{i}].title", step.title))
        for j, item in enumerate(step.items):
            base = f"steps[{i}].items[{j}]"
            texts += [(f"{base}.text", item.text), (f"{base}.note", item.note or "")]
    for path, text in texts:
        try:
            names = template_variables(text)
        except ValueError as exc:
            raise fail(path, f"bad template: {exc}") from None
        unknown = sorted(names - allowed)
        if unknown:
            raise fail(path, f"template uses unknown value(s) {', '.join(unknown)}")
