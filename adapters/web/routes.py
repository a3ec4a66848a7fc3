"""The web workspace's pages and endpoints."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from adapters.web.forms import perform
from adapters.web.identity import COOKIE, Persona, current
from adapters.web.live import Broadcaster
from bot.app import Services
from bot.documents.pdf import PdfUnavailable, weasyprint_module
from dialogs.commands import HELP, parse_command
from dialogs.errors import Conflict, InvalidInput, NeedsConfirmation, NotAllowed, NotFound, OffboardError
from dialogs.present import CaseView
from storage.base import CaseRecord, Notice

HERE = Path(__file__).parent
TOKEN_COOKIE = "offboard_token"

TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["when"] = lambda iso: (iso or "").replace("T", " ")[:16]


@dataclass
class Workspace:
    """The web adapter's state: shared services, personas, the live channel."""

    svc: Services
    broadcaster: Broadcaster
    token: str | None
    people: list[Persona] = field(default_factory=list)
    formats: tuple[str, ...] = ("md", "html")

    @property
    def departments(self) -> dict[str, str]:
        """Every department any checklist names, id -> label."""
        out: dict[str, str] = {}
        for checklist in self.svc.checklists.values():
            for dept, label in checklist.departments.items():
                out.setdefault(dept, label)
        return out


WORKSPACE: web.AppKey[Workspace] = web.AppKey("workspace")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page(request: web.Request, template: str, **values: Any) -> web.Response:
    """Render a full page with the sidebar."""
    ws = request.app[WORKSPACE]
    who = current(request, ws.people)
    html = TEMPLATES.get_template(template).render(
        departments=ws.departments, people=ws.people, who=who, path=request.path,
        checklists=ws.svc.checklists, **values)
    return web.Response(text=html, content_type="text/html")


def fragment(template: str, **values: Any) -> web.Response:
    """Render a piece of a page (for live refresh)."""
    return web.Response(text=TEMPLATES.get_template(template).render(**values),
                        content_type="text/html")


async def channel_entries(ws: Workspace, target: str) -> list[dict[str, Any]]:
    """A channel's history: hand-off pings as they were, step cards as they are now."""
    entries: list[dict[str, Any]] = []
    seen_cards: set[tuple[str, str]] = set()
    views: dict[str, CaseView] = {}
    for notice in await ws.svc.store.notices(target):
        if notice.kind == "handoff":
            entries.append({"kind": "handoff", "notice": notice, "handoff": notice.payload["handoff"]})
        elif notice.kind == "card" and notice.case_id:
            step_id = notice.payload["card"]["step_id"]
            if (notice.case_id, step_id) in seen_cards:
                continue
            seen_cards.add((notice.case_id, step_id))
            if notice.case_id not in views:
                views[notice.case_id] = await ws.svc.engine.view(notice.case_id)
            entries.append({"kind": "card", "notice": notice,
                            "card": views[notice.case_id].card(step_id)})
    return entries


async def thread_entries(ws: Workspace, case: CaseRecord) -> list[Notice]:
    """The case thread: its lines and documents, as the outbox wrote them."""
    return [n for n in await ws.svc.store.notices(f"case:{case.id}") if n.kind in ("thread", "document")]


async def index(request: web.Request) -> web.StreamResponse:
    """The workspace opens on the cases channel."""
    raise web.HTTPFound("/w/cases")


async def cases_channel(request: web.Request) -> web.StreamResponse:
    """#cases: one summary per case, each opening its thread."""
    ws = request.app[WORKSPACE]
    summaries = [(await ws.svc.engine.view(c.id)).summary(ws.svc.engine.today())
                 for c in reversed(await ws.svc.store.list_cases())]
    if request.query.get("fragment"):
        return fragment("_cases_feed.html.j2", summaries=summaries)
    return page(request, "cases.html.j2", channel="cases", summaries=summaries)


async def department_channel(request: web.Request) -> web.StreamResponse:
    """#admin, #tech, ...: hand-off pings and live step cards."""
    ws = request.app[WORKSPACE]
    dept = request.match_info["dept"]
    if dept not in ws.departments:
        raise web.HTTPNotFound(text=f"No channel #{dept}")
    entries = await channel_entries(ws, f"dept:{dept}")
    if request.query.get("fragment"):
        return fragment("_dept_feed.html.j2", entries=entries)
    return page(request, "department.html.j2", channel=dept, entries=entries)


async def case_view(request: web.Request) -> CaseView:
    """The case the URL names, or 404."""
    try:
        return await request.app[WORKSPACE].svc.engine.view(request.match_info["case_id"])
    except NotFound:
        raise web.HTTPNotFound(text="No such case") from None


async def case_thread(request: web.Request) -> web.StreamResponse:
    """A case's thread: the live summary, then every line the bot posted."""
    ws = request.app[WORKSPACE]
    view = await case_view(request)
    values = {"summary": view.summary(ws.svc.engine.today()),
              "lines": await thread_entries(ws, view.case)}
    if request.query.get("fragment"):
        return fragment("_thread.html.j2", **values)
    return page(request, "thread.html.j2", channel="cases", **values)


async def act(request: web.Request) -> web.StreamResponse:
    """A button or dialog on a step card."""
    ws = request.app[WORKSPACE]
    form = await request.post()
    who = current(request, ws.people)
    fields = {k: str(v) for k, v in form.items()}
    return await _outcome(ws, lambda: perform(ws.svc.engine, who.actor, fields))


async def open_case(request: web.Request) -> web.StreamResponse:
    """The case-header dialog."""
    ws = request.app[WORKSPACE]
    form = {k: str(v) for k, v in (await request.post()).items()}
    who = current(request, ws.people)
    client = form.pop("client", "")
    checklist_id = form.pop("checklist", "") or None
    request_id = form.pop("request_id", "") or None
    header = {k: v for k, v in form.items() if v.strip()}
    return await _outcome(ws, lambda: ws.svc.engine.open_case(
        client, header, who.actor, checklist_id=checklist_id, request_id=request_id))


async def _outcome(ws: Workspace, run: Callable[[], Awaitable[Any]]) -> web.Response:
    try:
        outcome = await run()
    except InvalidInput as exc:
        return web.json_response({"ok": False, "error": exc.message, "field": exc.field,
                                  "confirm": isinstance(exc, NeedsConfirmation)}, status=422)
    except NotAllowed as exc:
        return web.json_response({"ok": False, "error": exc.message, "refused": True}, status=403)
    except (Conflict, NotFound) as exc:
        return web.json_response({"ok": False, "error": exc.message,
                                  "case_id": getattr(exc, "case_id", None)}, status=409)
    ws.svc.dispatcher.wake()
    return web.json_response({"ok": True, "status": outcome.status, "message": outcome.message,
                              "case_id": outcome.case_id})


async def command(request: web.Request) -> web.StreamResponse:
    """The composer: /offboard CLIENT | list | status CLIENT | cancel CLIENT | help."""
    ws = request.app[WORKSPACE]
    form = await request.post()
    cmd = parse_command(str(form.get("text", "")))
    engine = ws.svc.engine
    if cmd.verb == "open":
        checklists = [{"id": c.id, "title": c.title, "header": c.header} for c in ws.svc.checklists.values()]
        header = [{"id": h.id, "label": h.label, "kind": h.kind, "required": h.required}
                  for h in engine.default_checklist.header if h.default is None]
        return web.json_response({"ok": True, "open": {"client": cmd.arg, "header": header,
                                                        "checklists": [c["id"] for c in checklists]}})
    if cmd.verb == "list":
        lines = []
        for open_case in await ws.svc.store.list_cases("open"):
            s = (await engine.view(open_case.id)).summary(engine.today())
            steps = ", ".join(f"step {p.number} {p.done}/{p.total}" for p in s.steps)
            lines.append(f"{s.client}: stops {s.stop_date}, with {s.holder}; {steps}")
        return web.json_response({"ok": True, "reply": "\n".join(lines) or "No open cases."})
    if cmd.verb in ("status", "cancel", "reopen", "export"):
        found = await engine.lookup(cmd.arg)
        case, note = found.case, found.note(engine.tz)
        if case is None:
            return web.json_response({"ok": False, "error": f"No case for {cmd.arg!r}."}, status=404)
        if cmd.verb == "reopen":
            if case.status == "open":
                return web.json_response({"ok": False, "error": f"The case for {case.client} is open."},
                                         status=409)
            return web.json_response({"ok": True, "reopen": {"case_id": case.id, "client": case.client,
                                                             "status": case.status}})
        if cmd.verb == "status":
            return web.json_response({"ok": True, "go": f"/w/cases/{case.id}", "note": note})
        if cmd.verb == "export":
            return web.json_response({"ok": True, "go": f"/dashboard/{case.id}", "note": note})
        return web.json_response({"ok": True, "cancel": {"case_id": case.id, "client": case.client}})
    return web.json_response({"ok": True, "reply": (cmd.arg + "\n\n" if cmd.arg else "") + HELP})


async def cancel_case(request: web.Request) -> web.StreamResponse:
    """Cancel, after the confirmation dialog."""
    ws = request.app[WORKSPACE]
    form = await request.post()
    who = current(request, ws.people)
    return await _outcome(ws, lambda: ws.svc.engine.cancel_case(
        str(form.get("case_id", "")), str(form.get("reason", "")), who.actor))


async def reopen_case(request: web.Request) -> web.StreamResponse:
    """Reopen a cancelled or completed case, after the dialog that asks why."""
    ws = request.app[WORKSPACE]
    form = await request.post()
    who = current(request, ws.people)
    return await _outcome(ws, lambda: ws.svc.engine.reopen_case(
        str(form.get("case_id", "")), str(form.get("reason", "")), who.actor))


async def act_as(request: web.Request) -> web.StreamResponse:
    """The persona switch."""
    ws = request.app[WORKSPACE]
    form = await request.post()
    key = str(form.get("persona", ""))
    back = str(form.get("back", "/w/cases"))
    if not back.startswith("/") or back.startswith("//"):
        back = "/w/cases"
    response = web.Response(status=303, headers={"Location": back})
    if any(p.key == key for p in ws.people):
        response.set_cookie(COOKIE, key, httponly=True, samesite="Strict")
    return response


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: which channel changed."""
    ws = request.app[WORKSPACE]
    return await ws.broadcaster.stream(request, ws.svc.stop)


async def dashboard(request: web.Request) -> web.StreamResponse:
    """Managers' view: every case with progress, who holds the ball, overdue marks."""
    ws = request.app[WORKSPACE]
    engine = ws.svc.engine
    rows = [(await engine.view(c.id)).summary(engine.today()) for c in await ws.svc.store.list_cases()]
    return page(request, "dashboard.html.j2", channel="dashboard",
                open_cases=[r for r in rows if r.status == "open"],
                closed_cases=[r for r in rows if r.status != "open"])


async def dashboard_case(request: web.Request) -> web.StreamResponse:
    """One case for managers: summary, every item, the full timeline, documents."""
    ws = request.app[WORKSPACE]
    view = await case_view(request)
    timeline = []
    for event in await ws.svc.store.get_events(view.case.id):
        item = view.text(event.item_id) if event.item_id in view.checklist.items else None
        timeline.append({"event": event, "item": item})
    return page(request, "case.html.j2", channel="dashboard",
                summary=view.summary(ws.svc.engine.today()),
                cards=[view.card(s.id) for s in view.checklist.steps], timeline=timeline,
                documents=ws.formats)


async def document(request: web.Request) -> web.StreamResponse:
    """One document of a case, to download: /documents/CASE/checklist.md (or .html, .pdf)."""
    ws = request.app[WORKSPACE]
    name, _, fmt = request.match_info["name"].partition(".")
    try:
        doc = await ws.svc.documents.render(request.match_info["case_id"], name, fmt)
    except NotFound as exc:
        raise web.HTTPNotFound(text=exc.message) from None
    except OffboardError as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    return web.Response(body=doc.content, headers={
        "Content-Type": doc.media_type,
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "X-Content-Type-Options": "nosniff"})


def document_formats() -> tuple[str, ...]:
    """md and html always; pdf when WeasyPrint is installed."""
    try:
        weasyprint_module()
    except PdfUnavailable:
        return ("md", "html")
    return ("md", "html", "pdf")


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Off the loopback, every page but /healthz and Slack/Teams endpoints needs the access token."""
    ws = request.app[WORKSPACE]
    open_paths = ("/healthz", "/slack/", "/api/messages")
    if ws.token is None or request.path.startswith(open_paths):
        return await handler(request)
    given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE, "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header[len("Bearer "):]
    if not hmac.compare_digest(given.encode(), ws.token.encode()):
        raise web.HTTPUnauthorized(text="This workspace needs its access token: add ?token=...")
    response = await handler(request)
    if request.query.get("token"):
        response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="Strict")
    return response


async def no_content(request: web.Request) -> web.Response:
    """No favicon: answer quietly instead of a 404 in every browser console."""
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    """Every route of the workspace and the dashboard, in one place."""
    r = app.router
    r.add_get("/", index)
    r.add_get("/w/cases", cases_channel)
    r.add_get("/w/cases/{case_id}", case_thread)
    r.add_get("/w/events", events)
    r.add_get("/w/{dept}", department_channel)
    r.add_post("/w/act", act)
    r.add_post("/w/open", open_case)
    r.add_post("/w/command", command)
    r.add_post("/w/cancel", cancel_case)
    r.add_post("/w/reopen", reopen_case)
    r.add_post("/w/as", act_as)
    r.add_get("/dashboard", dashboard)
    r.add_get("/dashboard/{case_id}", dashboard_case)
    r.add_get("/documents/{case_id}/{name}", document)
    r.add_static("/static/", HERE / "static")
    r.add_get("/favicon.ico", no_content)


