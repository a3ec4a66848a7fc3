"""The Slack adapter: slash command, step cards, modals, App Home, and the outbox's Slack sender.

Every Slack import of the project lives under this package. ``mount`` is
imported lazily so that reading the settings (adapters.slack.config) does not
load bolt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack.config import SlackSettings, slack_settings

if TYPE_CHECKING:
    from aiohttp import web

    from adapters.ports import AdapterContext
    from adapters.slack.app import SlackAdapter

__all__ = ["SlackSettings", "mount", "slack_settings"]


def mount(app: web.Application, ctx: AdapterContext, settings: SlackSettings) -> SlackAdapter:
    """Mount Slack on the server (see adapters.slack.app.mount)."""
    from adapters.slack.app import mount as mount_slack

    return mount_slack(app, ctx, settings)
