"""The workspace's actions: buttons and dialogs on step cards, the composer, cancel, the persona switch.

Each answers JSON for app.js: ``ok`` and the outcome's words, or ``error``
(with ``errors`` per field for a form, ``case_id`` for a conflict).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapters.web.forms import perform
from adapters.web.guard import safe_path
from adapters.web.identity import COOKIE
from adapters.web.render import visitor
from adapters.web.workspace import WORKSPACE, Workspace
from dialogs.actor import Actor, check_case_permission
from dialogs.commands import HELP, Command, parse_message
from dialogs.errors import Conflict, InvalidInput, NeedsConfirmation, NotAllowed, NotFound
from dialogs.outcome import Outcome
from dialogs.replies import case_line
from dialogs.values import clean_client_name

READ_ONLY = "This dashboard is read-only: sign in with your own token to act."


LIST_LINES = 50  # cases /offboard list answers with in the composer; the dashboard pages the rest


def refuse(message: str, status: int = 403, **more: Any) -> web.Response:
    """A refusal app.js shows where the person acted."""
    return web.json_response({"ok": False, "error": message, "refused": status == 403, **more}, status=status)


async def _form(request: web.Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}


async def _run(ws: Workspace, run: Callable[[], Awaitable[Outcome]]) -> web.Response:
    try:
        outcome = await run()
    except InvalidInput as exc:  # NeedsConfirmation too: the dialog offers "Save anyway"
        return refuse(exc.message, 422, field=exc.field, errors=exc.errors,
                      confirm=isinstance(exc, NeedsConfirmation))
    except NotAllowed as exc:
        return refuse(exc.message)
    except (Conflict, NotFound) as exc:
        return refuse(exc.message, 409, case_id=getattr(exc, "case_id", None))
    if outcome.changed:
        ws.svc.wake()
    answer = {"ok": True, "status": outcome.status, "message": outcome.message, "case_id": outcome.case_id,
              "item_id": outcome.item_id, "version": outcome.version}
    if outcome.status == "stale" and outcome.case_id and outcome.item_id:
        view = await ws.svc.engine.view(outcome.case_id)
        item = view.item_view(view.checklist.items[outcome.item_id])
        answer["stored"] = item.value_text or {"locked": "locked", "skipped": "does not apply",
                                                "open": "not answered"}.get(item.status, item.status)
    return web.json_response(answer)


async def act(request: web.Request) -> web.StreamResponse:
    """A button or dialog on a step card."""
    ws, actor = request.app[WORKSPACE], visitor(request).actor
    if actor is None:
        return refuse(READ_ONLY)
    fields = await _form(request)
    return await _run(ws, lambda: perform(ws.svc.engine, actor, fields))


async def open_case(request: web.Request) -> web.StreamResponse:
    """The case-header dialog: every field's error at once."""
    ws, actor = request.app[WORKSPACE], visitor(request).actor
    if actor is None:
        return refuse(READ_ONLY)
    form = await _form(request)
    client = form.pop("client", "")
    checklist_id = form.pop("checklist", "") or None
    request_id = form.pop("request_id", "") or None
    header = {k: v for k, v in form.items() if v.strip()}
    return await _run(ws, lambda: ws.svc.engine.open_case(
        client, header, actor, checklist_id=checklist_id, request_id=request_id))


async def command(request: web.Request) -> web.StreamResponse:
    """The composer: /offboard CLIENT | list | status | cancel | reopen | export | date CLIENT | help."""
    ws, actor = request.app[WORKSPACE], visitor(request).actor
    if actor is None:
        return refuse(READ_ONLY)
    cmd = parse_message((await _form(request)).get("text", ""))
    engine = ws.svc.engine
    if cmd.verb == "open":
        return await _before_opening(ws, actor, cmd.arg)
    if cmd.verb == "list":
        found = await engine.cases("open", limit=LIST_LINES)  # kept summaries: no case is derived
        lines = [case_line(s) for s in found.summaries]  # the words Teams lists cases in
        if found.more:
            lines.append(f"…and {found.more} more: see the dashboard.")
        return web.json_response({"ok": True, "reply": "\n".join(lines) or "No open cases."})
    if cmd.verb in ("status", "cancel", "reopen", "export", "date"):
        return await _case_command(ws, actor, cmd, request)
    return web.json_response({"ok": True, "reply": (cmd.arg + "\n\n" if cmd.arg else "") + HELP})


async def _before_opening(ws: Workspace, actor: Actor, client: str) -> web.Response:
    """What does not depend on the form is refused now, before anyone fills it in."""
    engine = ws.svc.engine
    try:
        _may_open_some(actor, ws)
        name = clean_client_name(client)
    except (NotAllowed, InvalidInput) as exc:
        return refuse(exc.message)
    existing = (await engine.lookup(name)).case  # the open case first; look-alike names too
    if existing is not None and existing.status == "open":
        return refuse(f"{existing.client} already has an open case, opened "
                      f"{existing.opened_at.astimezone(engine.tz):%Y-%m-%d} by "
                      f"{existing.opened_by.get('name', 'someone')}.", 409, case_id=existing.id)
    header = [{"id": h.id, "label": h.label, "kind": h.kind, "required": h.required}
              for h in engine.default_checklist.header if h.default is None]
    return web.json_response({"ok": True, "open": {"client": name, "header": header,
                                                    "checklists": list(ws.svc.checklists)}})


def _may_open_some(actor: Actor, ws: Workspace) -> None:
    """NotAllowed (the default checklist's words) unless the actor may open a case of some checklist."""
    refusals = []
    for checklist in ws.svc.checklists.values():
        try:
            check_case_permission(actor, checklist, "open a case")
            return
        except NotAllowed as exc:
            refusals.append(exc)
    raise refusals[0]


async def _case_command(ws: Workspace, actor: Actor, cmd: Command, request: web.Request) -> web.Response:
    engine = ws.svc.engine
    found = await engine.lookup(cmd.arg)
    case, note = found.case, found.note(engine.tz)
    if case is None:
        return refuse(f"No case for {cmd.arg!r}.", 404)
    if cmd.verb == "status":
        return web.json_response({"ok": True, "go": f"/w/cases/{case.id}", "note": note})
    if cmd.verb == "export":  # as in Slack: the documents go into the case thread
        request_id = f"web:export:{(await request.post()).get('request_id', '')}"
        answer = await _run(ws, lambda: engine.export_documents(case.id, actor, request_id=request_id))
        if answer.status == 200:
            return web.json_response({"ok": True, "go": f"/w/cases/{case.id}", "note": note})
        return answer
    what = {"reopen": "reopen a case", "date": "change the case's dates"}.get(cmd.verb, "cancel a case")
    try:
        check_case_permission(actor, engine.checklist_for(case), what)
    except NotAllowed as exc:
        return refuse(exc.message)
    if cmd.verb == "date":
        if case.status != "open":
            return refuse(f"The case for {case.client} is {case.status}: its dates no longer move.", 409,
                          case_id=case.id)
        return web.json_response({"ok": True, "date": {"case_id": case.id, "client": case.client,
                                                       "value": case.header.get("stop_date", "")}})
    if cmd.verb == "reopen":
        if case.status == "open":
            return refuse(f"The case for {case.client} is open.", 409, case_id=case.id)
        return web.json_response({"ok": True, "reopen": {"case_id": case.id, "client": case.client,
                                                         "status": case.status}})
    if case.status != "open":
        return refuse(f"The case for {case.client} is already {case.status}.", 409, case_id=case.id)
    return web.json_response({"ok": True, "cancel": {"case_id": case.id, "client": case.client}})


async def cancel_case(request: web.Request) -> web.StreamResponse:
    """Cancel, after the confirmation dialog."""
    return await _with_reason(request, "cancel")


async def change_date(request: web.Request) -> web.StreamResponse:
    """Move the stop date, after the dialog that asks for the new date and why."""
    ws, actor = request.app[WORKSPACE], visitor(request).actor
    if actor is None:
        return refuse(READ_ONLY)
    form = await _form(request)
    return await _run(ws, lambda: ws.svc.engine.change_date(
        form.get("case_id", ""), form.get("field", "stop_date"), form.get("date", ""), form.get("reason", ""),
        actor, request_id=form.get("request_id") or None))


async def reopen_case(request: web.Request) -> web.StreamResponse:
    """Reopen a cancelled or completed case, after the dialog that asks why."""
    return await _with_reason(request, "reopen")


async def _with_reason(request: web.Request, what: str) -> web.Response:
    ws, actor = request.app[WORKSPACE], visitor(request).actor
    if actor is None:
        return refuse(READ_ONLY)
    form = await _form(request)
    command = ws.svc.engine.cancel_case if what == "cancel" else ws.svc.engine.reopen_case
    return await _run(ws, lambda: command(form.get("case_id", ""), form.get("reason", ""), actor,
                                          request_id=form.get("request_id") or None))


async def act_as(request: web.Request) -> web.StreamResponse:
    """The persona switch: the local workspace only."""
    ws = request.app[WORKSPACE]
    if not visitor(request).may_switch:
        raise web.HTTPForbidden(text="\"Act as\" exists only in the local workspace; "
                                     "here you act as yourself.\n")
    form = await _form(request)
    key = form.get("persona", "")
    response = web.Response(status=303, headers={"Location": safe_path(form.get("back", ""), "/w/cases")})
    if any(p.key == key for p in ws.people):
        response.set_cookie(COOKIE, key, httponly=True, samesite="Lax", path="/")
    return response
