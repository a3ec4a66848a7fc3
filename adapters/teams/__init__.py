"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK.

Every Agents SDK import of the project lives under this package. ``mount`` is
imported lazily so that reading the settings (adapters.teams.config) does not
load the SDK: a server without Teams settings never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.teams.config import TeamsSettings, teams_settings

if TYPE_CHECKING:
    from aiohttp import web

    from adapters.ports import AdapterContext
    from adapters.teams.app import TeamsAdapter

__all__ = ["TeamsSettings", "mount", "teams_settings"]


def mount(app: web.Application, ctx: AdapterContext, settings: TeamsSettings, **kw: Any) -> TeamsAdapter:
    """Mount Teams on the server (see adapters.teams.app.mount)."""
    from adapters.teams.app import mount as mount_teams

    return mount_teams(app, ctx, settings, **kw)
