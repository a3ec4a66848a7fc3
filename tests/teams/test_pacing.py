"""Teams' limits are kept by waiting: 7 a second and 60 in 30 s per conversation, 30 a second per tenant.

The clock and the sleep are injected: the waits are checked, never waited for.
"""

from __future__ import annotations

from adapters.teams.pacing import Pacer
from tests.teams.harness import ALICE, TeamsBot


class FakeTime:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def most_in_any_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


async def test_one_conversation_gets_seven_a_second_and_sixty_in_thirty_seconds() -> None:
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    sent = []
    for _ in range(130):
        await pacer.wait("19:admin@thread.tacv2", "tenant")
        sent.append(t.now)
    assert sent[:7] == [1000.0] * 7 and sent[7] == 1001.0, "the eighth waits for the first second to pass"
    assert most_in_any_window(sent, 1.0) == 7
    assert most_in_any_window(sent, 30.0) == 60
    assert sent[-1] - sent[0] >= 60.0, "130 calls need at least two full 30-second windows"


async def test_a_thread_counts_toward_its_channel_and_the_tenant_has_its_own_limit() -> None:
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    for n in range(7):
        await pacer.wait(f"19:cases@thread.tacv2;messageid={n}", "tenant")
    assert t.sleeps == []
    await pacer.wait("19:cases@thread.tacv2", "tenant")
    assert t.sleeps == [1.0], "seven replies in threads of #cases fill #cases' second"
    t.now, t.sleeps = 2000.0, []
    for n in range(30):
        await pacer.wait(f"19:channel{n}@thread.tacv2", "tenant")
    assert t.sleeps == []
    await pacer.wait("19:another@thread.tacv2", "tenant")
    assert t.sleeps == [1.0], "the 31st call in a second waits, whichever channel"
    await pacer.wait("19:elsewhere@thread.tacv2", "other-tenant")
    assert t.sleeps == [1.0], "another tenant has its own budget"


async def test_the_sender_paces_every_post_and_edit(bot: TeamsBot) -> None:
    waited: list[str] = []
    pacer = bot.adapter.sender.pacer
    original = pacer.wait

    async def counting(conversation: str, tenant: str | None) -> None:
        waited.append(conversation.split(";", 1)[0])
        await original(conversation, tenant)

    pacer.wait = counting  # type: ignore[method-assign]
    before = len(bot.fake.calls)
    await bot.open_case()
    await bot.click("review_account", "done", ALICE)
    writes = [c for c in bot.fake.calls[before:] if c.route in ("post", "send", "update")]
    assert len(waited) == len(writes) >= 5, "each write waited for room first"
