"""The App Home tab and the /offboard list | status | export | help replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    Block,
    Message,
    context,
    dashboard_link,
    divider,
    escape,
    md,
    plain,
    section,
    thread_link,
)
from adapters.slack.messages import summary_blocks
from dialogs.attention import Attention
from dialogs.commands import HELP
from dialogs.summaries import CasePage
from dialogs.views import CaseSummary
from storage.base import MessageRef


def case_line(s: CaseSummary) -> str:
    """One case in a line or two: client, stop date, who holds it, progress per step."""
    stop = f"stops {md(s.stop_date, 20)}" if s.stop_date else "no stop date"
    overdue = " :warning: overdue" if s.overdue else ""
    holder = f", with *{md(s.holder, 100)}*" if s.holder else ""
    late = f" · :warning: {s.late_items} item{'s' if s.late_items > 1 else ''} late" if s.late_items else ""
    steps = " · ".join(f"{p.number}. {md(p.department_label, 40)} {p.done}/{p.total}" for p in s.steps)
    return f"*{md(s.client, 200)}* — {stop}{overdue}{holder}{late}\n{steps}"


def cases_blocks(summaries: Sequence[CaseSummary], limit: int, total: int | None = None) -> list[Block]:
    """One section per case, within ``limit`` blocks (``total``: how many there are in all)."""
    total = len(summaries) if total is None else total
    if not summaries:
        return [section("No open cases. Type `/offboard CLIENT` to open one.")]
    shown = summaries[:limit] if total <= limit else summaries[: limit - 1]
    blocks = [section(case_line(s), block_id=f"case:{s.case_id}") for s in shown]
    if total > len(shown):
        blocks.append(context(f"…and {total - len(shown)} more open case(s): see the dashboard"))
    return blocks


def needs_you_blocks(needs: Sequence[Attention], limit: int = 15) -> list[Block]:
    """"Needs you": what this person can do now, late first, one line each, grouped by case."""
    if not needs:
        return [section("*Needs you*\nNothing right now: nothing you hold, nothing due today or late in "
                        "your departments.", block_id="needs-you")]
    lines = [f"• *{md(a.client, 200)}*: {md(a.line, 600)}" for a in needs[:limit]]
    if len(needs) > limit:
        lines.append(f"…and more: the {limit} most urgent are shown")
    return [section("*Needs you*\n" + "\n".join(lines), block_id="needs-you")]


HOME_HEAD = 6  # blocks above the list on the Home tab, at most (header, warning, needs you, 3 more)
LIST_ROWS = MAX_MESSAGE_BLOCKS - 1
"""Cases /offboard list shows (its first block is the count); what it reads of the kept summaries."""
HOME_ROWS = MAX_VIEW_BLOCKS - HOME_HEAD


def home_view(page: CasePage, public_url: str | None, *, refused: str | None = None,
              company_missing: bool = False, needs: Sequence[Attention] = ()) -> dict[str, Any]:
    """The App Home tab: what needs this person first, then open cases with their progress (cases that
    need them first), or why this person may not see them."""
    dashboard = f"<{public_url}/dashboard|the dashboard>" if public_url else "the dashboard (`/dashboard`)"
    head: list[Block] = [{"type": "header", "text": plain("Open offboarding cases", 150)}]
    if company_missing:
        head.append(section(":warning: No company name is configured, so documents say “[Company name]”. "
                            "Set `name` in the `[company]` table of the config file (`OFFBOARD_CONFIG`)."))
    if refused is not None:
        return {"type": "home", "blocks": [*head, section(md(refused))]}
    head += [*needs_you_blocks(needs), divider(),
             context(f"{page.total} open · `/offboard CLIENT` opens a case · everything, closed cases "
                     f"too, on {dashboard}"), divider()]
    mine = {a.case_id for a in needs}
    summaries = sorted(page.summaries, key=lambda s: s.case_id not in mine)  # stable: keeps the order within
    return {"type": "home", "blocks": [*head, *cases_blocks(summaries, MAX_VIEW_BLOCKS - len(head),
                                                            page.total)]}


def list_reply(page: CasePage) -> Message:
    """/offboard list."""
    text = f"{page.total} open case(s)"
    return Message(text, [section(f"*{text}*"), *cases_blocks(page.summaries, LIST_ROWS, page.total)])


def status_reply(s: CaseSummary, thread: MessageRef | None, public_url: str | None,
                 note: str | None = None) -> Message:
    """/offboard status CLIENT: the summary, where its thread is, and the client's other cases."""
    blocks = summary_blocks(s, public_url)
    if note:
        blocks = [*blocks[: MAX_MESSAGE_BLOCKS - 2], context(md(note, 1900))]
    if thread is not None:
        blocks = [*blocks[: MAX_MESSAGE_BLOCKS - 1],
                  context(f"<{thread_link(thread.channel, thread.message_id)}|Open the case thread>")]
    return Message(f"{md(s.client, 200)}: {s.status}", blocks)


def export_reply(s: CaseSummary, thread: MessageRef | None, public_url: str | None) -> Message:
    """/offboard export CLIENT: the documents are on their way into the case thread."""
    where = (f"<{thread_link(thread.channel, thread.message_id)}|the case thread>" if thread
             else "the case thread")
    text = (f"The documents of *{md(s.client, 200)}* produced so far (the “What's Next” memo, the "
            f"summary report, the checklist as it stands) are being uploaded into {where}. Every "
            f"document in every format: {dashboard_link(public_url, s.case_id, 'the dashboard')}.")
    return Message(text, [section(text)])


def help_reply(problem: str = "") -> Message:
    """/offboard help (or what was wrong with the command)."""
    text = (f"{md(problem)}\n" if problem else "") + f"```{escape(HELP)}```"
    return Message(text, [section(text)])
