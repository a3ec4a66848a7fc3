"""Bad input and big input: escaped mrkdwn, Block Kit limits with a 500-item checklist and long answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.big import big_checklist
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import ADMIN, ALICE, CASES, TOM, SlackBot, running_bot, stop_date

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal")


def texts(value: Any) -> list[str]:
    """Every text object's text in blocks (mrkdwn and plain_text alike)."""
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return found + [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def message_calls(fake: FakeSlack) -> list[str]:
    """The text of every message the bot sent: the notification text, every block text, upload comments."""
    return ["\n".join([str(c.args.get("text") or ""), str(c.args.get("initial_comment") or ""),
                       *texts(c.args.get("blocks") or [])])
            for c in fake.ok_calls() if c.method in MESSAGE_METHODS]


async def test_a_client_named_like_a_mention_pings_nobody(bot: SlackBot) -> None:
    name = "<!channel> & <@U0ALICE> <!subteam^S0TECH>"
    await bot.open_case(name)
    await bot.work_step_one()
    await bot.click("removal_ticket", "answer", TOM, text="<!everyone> T-1 <https://evil.example|click>")
    sent = message_calls(bot.fake)
    assert len(sent) > 20
    for raw in sent:
        for mention in ("<!channel>", "<@U0ALICE>", "<!everyone>", "<https://evil"):
            assert mention not in raw, f"unescaped {mention} in {raw[:300]}"
    everything = "".join(sent)
    assert "&lt;!channel&gt; &amp; &lt;@U0ALICE&gt;" in everything
    # The only mention the bot writes itself is Tech's user group at the hand-off.
    assert re.findall(r"<!subteam\^\w+>", everything) == ["<!subteam^S0TECH>"] * 2
    assert bot.fake.rejections == []


async def test_a_500_item_checklist_and_long_answers_still_post_valid_messages(
        tmp_path: Path, fake: FakeSlack) -> None:
    checklist = big_checklist(tmp_path / "big.toml", tasks=500)
    async with running_bot(tmp_path, fake, env={"OFFBOARD_CHECKLISTS": str(checklist)}) as bot:
        await bot.command("W" * 80, ALICE)  # the longest client name there may be
        assert "Opened" in json.dumps(await bot.submit(ALICE, stop_date=stop_date()))
        await bot.settle()
        (card,) = fake.channel(ADMIN)
        assert len(card.blocks) <= 50
        footer = json.dumps(card.blocks[-1])
        assert "more item(s) not shown" in footer and "https://offboard.example.com/dashboard/" in footer

        await bot.click("notes", "answer", ALICE, text="x" * 300 + " <!here> " + "y" * 1600)
        rows = {f"tickets_{n}_number": f"T-{n:03d}" for n in range(14)}
        rows |= {f"tickets_{n}_decision": "billable" for n in range(14)}
        rows |= {f"tickets_{n}_title": "z" * 200 for n in range(14)}
        await bot.click("tickets", "answer", ALICE, **rows)  # ten rows fit the first time
        await bot.click("tickets", "answer", ALICE, **rows)  # Edit: the ten, and room for more
        await bot.click("task_000", "done", ALICE)
        await bot.click("tickets", "close_ticket", ALICE)

        card = fake.channel(ADMIN)[0]
        assert len(fake.channel(ADMIN)) == 1 and card.edits >= 4
        tickets = next(b for b in card.blocks if b.get("block_id") == "act:tickets")
        assert "14 ticket(s), 1 closed" in json.dumps(card.blocks)
        assert len(tickets["elements"]) == 9 and "more action(s) on the dashboard" in json.dumps(card.blocks)
        assert "task_000" not in json.dumps(card.blocks), "done items give way to open ones"
        modal = fake.ok_calls("views.update")[-1].args["view"]
        assert len(modal["blocks"]) <= 100
        assert fake.rejections == [], fake.rejections
        assert len(fake.channel(CASES)) == 1


async def test_a_long_answer_is_shown_within_the_section_limit(bot: SlackBot) -> None:
    await bot.open_case()
    await bot.click("accounts_receivable", "yes", ALICE)
    answer = "Pays by card; " * 21 + "<!here> " + "y" * 1600  # 300 characters, a mention, and more
    assert await bot.click("payment_arrangements", "answer", ALICE, text=answer) == {}
    card = bot.fake.channel(ADMIN)[0]
    section = next(b for b in card.blocks if b.get("block_id") == "item:payment_arrangements")
    assert len(section["text"]["text"]) <= 3000 and "&lt;!here&gt;" in section["text"]["text"]
    assert section["text"]["text"].count("Pays by card") == 21
    await bot.interact(bot.click_payload("payment_arrangements", "answer", ALICE))  # Edit: prefilled
    edit = bot.fake.views[bot.fake.last_view_id or ""]
    assert edit["blocks"][1]["element"]["initial_value"] == answer.strip()
    assert bot.fake.rejections == []
