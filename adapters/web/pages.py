"""The workspace's pages: the channels, a case's thread, the dashboard, the documents."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web.board import case_row, page_rows, story
from adapters.web.guard import client_address
from adapters.web.render import fragment, page
from adapters.web.workspace import WORKSPACE, Workspace
from dialogs.errors import NotFound, OffboardError
from dialogs.present import CaseView
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.replies import digest_case, digest_head, digest_line, reminder_text
from dialogs.timeline import read_timeline
from dialogs.views import CaseSummary, StepCard
from storage.base import DeliveryStatus, Notice


async def index(request: web.Request) -> web.StreamResponse:
    """The local workspace opens on the cases channel; served, on the dashboard."""
    raise web.HTTPFound("/dashboard" if request.app[WORKSPACE].settings.served else "/w/cases")


FEED_CASES = 200  # open cases #cases shows, newest first; then as many of the latest closed ones
SORTS = {"stop": "stop_date", "late": "urgent"}  # the dashboard's ?sort= and the order it asks for
DASHBOARD_PAGE = 50  # cases per page of each of the dashboard's tables


async def summaries(ws: Workspace) -> list[CaseSummary]:
    """The cases' kept summaries: open cases first (oldest first), then the latest closed ones."""
    engine = ws.svc.engine
    opened = (await engine.cases("open", order="oldest", limit=FEED_CASES)).summaries
    closed = (await engine.cases("closed", order="newest", limit=FEED_CASES - len(opened))).summaries
    return [*opened, *closed]


async def cases_channel(request: web.Request) -> web.StreamResponse:
    """#cases: one summary per case, each opening its thread; open cases first."""
    values = {"summaries": await summaries(request.app[WORKSPACE])}
    if request.query.get("fragment"):
        return fragment(request, "_cases_feed.html.j2", **values)
    return page(request, "cases.html.j2", channel="cases", **values)


CHANNEL_NOTICES = 400  # the newest messages of a channel a page reads
CHANNEL_CASES = 60  # cases whose cards a channel page shows (each is derived): the newest first


async def channel_entries(ws: Workspace, target: str) -> dict[str, Any]:
    """A channel: the live step cards first (newest case first), then its history in order.

    A page reads the channel's newest messages and shows the cards of the newest cases in them;
    ``more`` says when older ones were left to the dashboard (a channel with thousands of cases
    would otherwise derive every one of them)."""
    live: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []  # newest first while reading; turned to oldest first at the end
    seen: set[tuple[str, str]] = set()
    views: dict[str, CaseView] = {}
    digests: set[str] = set()
    notices = await ws.svc.store.notices(target, newest=CHANNEL_NOTICES)
    more = len(notices) == CHANNEL_NOTICES
    for notice in reversed(notices):
        if notice.kind == "handoff":
            history.append({"kind": "handoff", "notice": notice, "handoff": notice.payload["handoff"]})
        elif notice.kind in ("reminder", "escalation"):
            reminder = ReminderView.from_json(notice.payload["reminder"])
            history.append({"kind": "reminder", "notice": notice, "reminder": reminder,
                            "text": reminder_text(reminder)})
        elif notice.kind == "digest":
            if notice.ref_key not in digests:  # sent again that day, the message was edited: the newest
                digests.add(str(notice.ref_key))
                history.append(digest_entry(notice.payload["digest"], notice))
        elif notice.kind == "managers":
            history.append({"kind": "note", "notice": notice, "text": notice.payload.get("text", "")})
        elif notice.kind == "card" and notice.case_id:
            step_id = notice.payload["card"]["step_id"]
            if (notice.case_id, step_id) in seen:
                continue
            if notice.case_id not in views and len(views) >= CHANNEL_CASES:
                more = True
                continue
            seen.add((notice.case_id, step_id))
            if notice.case_id not in views:
                views[notice.case_id] = await ws.svc.engine.view(notice.case_id)
            card = views[notice.case_id].card(step_id)
            entry = {"kind": "card", "notice": notice, "card": card}
            if card.case_status == "open" and card.status != "complete":
                live.append(entry)
            else:
                entry["line"] = await _finished_line(ws, views[notice.case_id], card)
                history.append(entry)
    return {"live": live, "history": history[::-1], "more": more}


def digest_entry(payload: dict[str, Any], notice: Notice) -> dict[str, Any]:
    """A digest in a channel's history: its head line, then each case with its items."""
    digest = DigestView.from_json(payload)
    return {"kind": "digest", "notice": notice, "head": digest_head(digest),
            "cases": [(digest_case(c), [digest_line(line) for line in c.lines]) for c in digest.cases]}


async def _finished_line(ws: Workspace, view: CaseView, card: StepCard) -> str:
    """A finished card in one line: ✔ 15/15 · handed to Tech 12:14 (or the case's end)."""
    if card.case_status == "cancelled":
        return f"✖ cancelled · {card.done}/{card.total}"
    handoff = read_timeline(await ws.svc.store.get_events(view.case.id)).handoffs.get(card.step_id)
    when = f" {handoff.at.astimezone(ws.svc.engine.tz):%Y-%m-%d %H:%M}" if handoff else ""
    steps = view.checklist.steps
    nxt = steps[card.number] if card.number < len(steps) else None
    where = f"handed to {view.checklist.department_label(nxt.department)}" if nxt else "last step done"
    return f"✔ {card.done}/{card.total} · {where}{when}"


async def department_channel(request: web.Request) -> web.StreamResponse:
    """#admin, #tech, ...: the live step cards, then hand-off pings and finished cards."""
    ws = request.app[WORKSPACE]
    dept = request.match_info["dept"]
    if dept not in ws.departments and dept != "managers":
        raise web.HTTPNotFound(text=f"No channel #{dept}")
    entries = await channel_entries(ws, "managers" if dept == "managers" else f"dept:{dept}")
    if request.query.get("fragment"):
        return fragment(request, "_dept_feed.html.j2", **entries)
    return page(request, "department.html.j2", channel=dept, **entries)


async def case_view(request: web.Request) -> CaseView:
    """The case the URL names, or 404."""
    try:
        return await request.app[WORKSPACE].svc.engine.view(request.match_info["case_id"])
    except NotFound:
        raise web.HTTPNotFound(text="No such case") from None


async def thread_entries(ws: Workspace, case_id: str) -> list[Notice]:
    """The case thread: its lines, documents and escalations, as the outbox wrote them."""
    out = []
    for n in await ws.svc.store.notices(f"case:{case_id}"):
        if n.kind == "escalation":  # worded the way every surface words it
            n.payload = {**n.payload, "text": reminder_text(ReminderView.from_json(n.payload["reminder"]))}
        if n.kind in ("thread", "document", "escalation"):
            out.append(n)
    return out


async def case_thread(request: web.Request) -> web.StreamResponse:
    """A case's thread: the live summary, then every line the bot posted."""
    ws = request.app[WORKSPACE]
    view = await case_view(request)
    values = {"summary": view.summary(ws.svc.engine.today()),
              "lines": await thread_entries(ws, view.case.id), "documents": ws.formats}
    if request.query.get("fragment"):
        return fragment(request, "_thread.html.j2", **values)
    return page(request, "thread.html.j2", channel="cases", **values)


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: which channel changed (capped per client and in total)."""
    ws = request.app[WORKSPACE]
    return await ws.broadcaster.stream(request, ws.svc.stop, client_address(request, ws.settings))


async def dashboard(request: web.Request) -> web.StreamResponse:
    """Managers' view: every case with its dates, progress, who holds the ball, what waits for a manager."""
    ws = request.app[WORKSPACE]
    engine = ws.svc.engine
    today, now = engine.today(), engine.clock()
    sort = request.query.get("sort", "")
    pages = {}
    for table, order in (("open", SORTS.get(sort, "oldest")), ("closed", "newest")):
        number = _page_number(request.query.get(table))
        offset = (number - 1) * DASHBOARD_PAGE
        found = await engine.cases(table, order=order, limit=DASHBOARD_PAGE, offset=offset)
        pages[table] = {"rows": page_rows(found, today, now), "number": number, "total": found.total,
                        "more": found.more > 0}
    return page(request, "dashboard.html.j2", channel="dashboard", sort=sort if sort in SORTS else "",
                open_cases=pages["open"]["rows"], closed_cases=pages["closed"]["rows"], pages=pages,
                dead_letters=await ws.svc.store.deliveries(status=DeliveryStatus.FAILED))


def _page_number(text: str | None) -> int:
    """A page number from the query string: 1 unless a positive number within reason."""
    return int(text) if text and text.isdigit() and 0 < int(text) < 1_000_000 else 1


async def dashboard_case(request: web.Request) -> web.StreamResponse:
    """One case for managers: summary, every item, the timeline as a story, documents."""
    ws = request.app[WORKSPACE]
    view = await case_view(request)
    events_ = await ws.svc.store.get_events(view.case.id)
    engine = ws.svc.engine
    return page(request, "case.html.j2", channel="dashboard",
                row=case_row(view, events_, engine.today(), engine.clock()),
                summary=view.summary(engine.today()),
                cards=[view.card(s.id) for s in view.checklist.steps],
                timeline=story(view, events_, engine.tz), documents=ws.formats)


async def document(request: web.Request) -> web.StreamResponse:
    """One document of a case: /documents/CASE/checklist.pdf opens in the browser, ?download=1 saves it."""
    ws = request.app[WORKSPACE]
    name, _, fmt = request.match_info["name"].partition(".")
    try:
        doc = await ws.svc.documents.render(request.match_info["case_id"], name, fmt)
    except NotFound as exc:
        raise web.HTTPNotFound(text=exc.message) from None
    except OffboardError as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    download = bool(request.query.get("download"))
    # Markdown previews as text (a browser would download text/markdown); HTML runs no script.
    media = "text/plain; charset=utf-8" if fmt == "md" and not download else doc.media_type
    headers = {"Content-Type": media, "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'{"attachment" if download else "inline"}; filename="{doc.filename}"'}
    if fmt != "pdf":  # (a sandbox would stop the browser's own PDF viewer)
        headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                              "img-src data:; sandbox")
    return web.Response(body=doc.content, headers=headers)


async def no_content(request: web.Request) -> web.Response:
    """No favicon: answer quietly instead of a 404 in every browser console."""
    return web.Response(status=204)
