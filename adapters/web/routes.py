"""Every route of the workspace and the dashboard, in one place."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from adapters.web import actions, pages

STATIC = Path(__file__).parent / "static"


def add_routes(app: web.Application) -> None:
    """Register the pages, the actions and the static files."""
    r = app.router
    r.add_get("/", pages.index)
    r.add_get("/w/cases", pages.cases_channel)
    r.add_get("/w/cases/{case_id}", pages.case_thread)
    r.add_get("/w/events", pages.events)
    r.add_get("/w/{dept}", pages.department_channel)
    r.add_post("/w/act", actions.act)
    r.add_post("/w/open", actions.open_case)
    r.add_post("/w/command", actions.command)
    r.add_post("/w/cancel", actions.cancel_case)
    r.add_post("/w/reopen", actions.reopen_case)
    r.add_post("/w/date", actions.change_date)
    r.add_post("/w/as", actions.act_as)
    r.add_get("/dashboard", pages.dashboard)
    r.add_get("/dashboard/{case_id}", pages.dashboard_case)
    r.add_get("/documents/{case_id}/{name}", pages.document)
    r.add_static("/static/", STATIC)
    r.add_get("/favicon.ico", pages.no_content)
