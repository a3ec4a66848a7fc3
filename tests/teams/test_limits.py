"""Big input: a step too long for one 28 KB message is split into parts; long answers and ticket lists fit."""

from __future__ import annotations

import re
from pathlib import Path

from tests.big import big_checklist
from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import ADMIN, ALICE, CASES, running_bot, stop_date


async def test_a_long_step_is_split_into_parts_each_under_28_kb(tmp_path: Path, fake: FakeTeams) -> None:
    checklist = big_checklist(tmp_path / "big.toml", tasks=120)
    async with running_bot(tmp_path, fake, env={"OFFBOARD_CHECKLISTS": str(checklist)}) as bot:
        await bot.open_case("W" * 80, stop_date=stop_date())
        parts = fake.channel(ADMIN)
        assert len(parts) >= 3 and all(f"(part {n} of {len(parts)})" in p.text for n, p in
                                       enumerate(parts, 1))
        shown = [re.findall(r"\b(task_\d{3})\b", str([n.get("id") for n in p.card["body"]])) for p in parts]
        assert [t for part in shown for t in part] == [f"task_{n:03d}" for n in range(120)], \
            "every item once, in checklist order"

        answer = await bot.click("task_119", "done", ALICE)  # on the last part
        assert "Done — Alice Admin" in str(answer["value"]) and "item-task_119" in str(answer["value"])
        assert len(fake.channel(ADMIN)) == len(parts), "parts are edited, not posted again"
        assert "Done — Alice Admin" in fake.showing("task_119").text

        note = "x" * 300 + " " + "y" * 1600
        await bot.click("notes", "answer", ALICE, text=note)
        assert "…" in fake.showing("notes").text, "a long answer is clipped on the card"
        message, button = bot.button("notes", "answer")
        form = (await bot.invoke(message, ALICE, button["verb"], button["data"]))["value"]
        text = next(n for n in form["body"] if n.get("id") == "f:text")
        assert text["value"] == note, "the form has it all"

        rows = {f"tickets:{n}:number": f"T-{n:03d}" for n in range(10)}
        rows |= {f"tickets:{n}:decision": "billable" for n in range(10)}
        rows |= {f"tickets:{n}:title": "z" * 200 for n in range(10)}
        await bot.click("tickets", "answer", ALICE, **rows)  # ten rows the first time
        more = {**rows, **{f"tickets:{n}:number": f"T-{n:03d}" for n in range(10, 13)},
                **{f"tickets:{n}:decision": "close" for n in range(10, 13)}}
        await bot.click("tickets", "answer", ALICE, **more)  # an edit shows the ten and three more
        assert "13 ticket(s), 0 closed" in fake.showing("tickets").text
        assert fake.rejections == [], fake.rejections
        assert len(fake.channel(CASES)) == 1


async def test_a_part_that_fails_does_not_bring_its_first_part_back_twice(tmp_path: Path,
                                                                          fake: FakeTeams) -> None:
    checklist = big_checklist(tmp_path / "big.toml", tasks=40)
    async with running_bot(tmp_path, fake, env={"OFFBOARD_CHECKLISTS": str(checklist)}) as bot:
        fake.fail(f"post:{ADMIN}", ("ok", None), ("status", (429, {"Retry-After": "0"})))  # part 2 waits
        await bot.open_case("AcmeCo", stop_date=stop_date())
        parts = fake.channel(ADMIN)
        numbers = [re.findall(r"\(part (\d) of (\d)\)", p.text)[0] for p in parts]
        assert numbers == [("1", "3"), ("2", "3"), ("3", "3")], "each part once"
        assert not [d for d in await bot.svc.store.deliveries("teams") if d.status == "failed"]
