"""Opening a case: /offboard <client> with its header, as the SOP asks before anything is posted."""

from __future__ import annotations

import pytest

from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.errors import Conflict, InvalidInput, NotAllowed
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, OSCAR, TOM
from tests.engine.support import OutboxWatch, open_case


def header(**changes: str | None) -> dict[str, str]:
    """The usual header with some fields changed (None: left out)."""
    out = {**HEADER, **{k: v for k, v in changes.items() if v is not None}}
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
    return out


async def nothing_stored(store: SQLiteStore) -> None:
    assert await store.list_cases() == []


# ---------------------------------------------------------------- the stop date
async def test_a_stop_date_in_the_past_is_refused(engine: Engine, store: SQLiteStore) -> None:
    # The clock reads 2026-11-27.
    with pytest.raises(InvalidInput, match="in the past") as refused:
        await engine.open_case("AcmeCo", header(stop_date="2026-11-26"), ALICE)
    assert refused.value.field == "stop_date"
    await nothing_stored(store)


async def test_a_stop_date_of_today_is_accepted(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine, header=header(stop_date="2026-11-27"))
    case = await store.get_case(walk.case_id)
    assert case is not None and case.header["stop_date"] == "2026-11-27"


async def test_the_date_opened_defaults_to_today(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    case = await store.get_case(walk.case_id)
    assert case is not None
    assert case.header["opened_on"] == "2026-11-27"
    assert case.header["contact_email"] == "pat@acme.example"


@pytest.mark.parametrize("stop", ["2026-02-30", "31/12/2026", "tomorrow"])
async def test_a_stop_date_that_is_not_a_date_is_refused(engine: Engine, store: SQLiteStore,
                                                         stop: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await engine.open_case("AcmeCo", header(stop_date=stop), ALICE)
    assert refused.value.field == "stop_date"
    await nothing_stored(store)


# ---------------------------------------------------------------- the rest of the header
@pytest.mark.parametrize("missing", ["stop_date", "contact_name", "contact_phone", "contact_email"])
@pytest.mark.parametrize("how", ["left out", "blank"])
async def test_a_missing_required_field_is_refused_by_name(engine: Engine, store: SQLiteStore,
                                                           missing: str, how: str) -> None:
    raw = header(**{missing: None if how == "left out" else "   "})
    with pytest.raises(InvalidInput, match="is required") as refused:
        await engine.open_case("AcmeCo", raw, ALICE)
    assert refused.value.field == missing
    await nothing_stored(store)


async def test_the_other_consultant_is_optional(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    case = await store.get_case(walk.case_id)
    assert case is not None
    assert not {"consultant_name", "consultant_phone", "consultant_email"} & set(case.header)


@pytest.mark.parametrize(("field", "bad"), [
    ("contact_email", "pat@@x.com"), ("contact_email", "pat"), ("contact_email", "a b@x.com"),
    ("contact_phone", "555-CALL-NOW"), ("contact_phone", "12"),
    ("consultant_email", "@x.com"), ("consultant_phone", "abc"),
])
async def test_a_bad_email_or_phone_is_refused_naming_the_field(engine: Engine, store: SQLiteStore,
                                                                field: str, bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await engine.open_case("AcmeCo", header(**{field: bad}), ALICE)
    assert refused.value.field == field
    await nothing_stored(store)


async def test_an_unknown_header_field_is_refused(engine: Engine, store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput, match="Unknown") as refused:
        await engine.open_case("AcmeCo", header(favourite_colour="blue"), ALICE)
    assert refused.value.field == "favourite_colour"
    await nothing_stored(store)


async def test_the_consultant_is_kept_when_given(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine, header=header(consultant_name="Chris Consultant",
                                                 consultant_phone="(202) 555-0199",
                                                 consultant_email="chris@newtech.example"))
    case = await store.get_case(walk.case_id)
    assert case is not None
    assert case.header["consultant_name"] == "Chris Consultant"
    assert case.header["consultant_phone"] == "(202) 555-0199"
    assert case.header["consultant_email"] == "chris@newtech.example"


# ---------------------------------------------------------------- the client's name
@pytest.mark.parametrize("name", ["", "   ", "x" * 500, "a" * 81])
async def test_a_bad_client_name_is_refused(engine: Engine, store: SQLiteStore, name: str) -> None:
    with pytest.raises(InvalidInput):
        await engine.open_case(name, HEADER, ALICE)
    await nothing_stored(store)


async def test_eighty_visible_characters_are_accepted_and_eighty_one_are_not(
        engine: Engine, store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput, match="81 characters; the limit is 80"):
        await engine.open_case("B" * 81, HEADER, ALICE)
    walk = await open_case(engine, "B" * 80)
    case = await store.get_case(walk.case_id)
    assert case is not None and case.client == "B" * 80
    accented = "e\u0301" * 80  # 80 letters with their accents as separate marks
    walk = await open_case(engine, accented)
    case = await store.get_case(walk.case_id)
    assert case is not None and case.client == accented


@pytest.mark.parametrize("name", ["<!channel>", "{{7*7}}", "<script>alert(1)</script>", "<@U123>",
                                  "{% raw %}x", "Smith & Sons *bold* _it_"])
async def test_a_client_name_is_kept_verbatim_everywhere(engine: Engine, store: SQLiteStore,
                                                         name: str) -> None:
    watch = await OutboxWatch(store).start()
    walk = await open_case(engine, name)

    case = await store.get_case(walk.case_id)
    assert case is not None and case.client == name
    assert (await walk.item("review_account")).text == f"Review {name}'s account"
    assert (await walk.item("newsletter")).text == f"Will {name} still receive our newsletter?"
    summary = await engine.summary(walk.case_id)
    assert summary.client == name
    assert summary.title == f"Remove {name} from managed services"
    if "7*7" in name:
        assert "49" not in summary.title
    notices = await watch.notices()
    assert notices, "opening a case tells people"
    assert all(d.notice.payload["client"] == name for d in notices)


# ---------------------------------------------------------------- one open case per client
@pytest.mark.parametrize("again", ["acme co", "AcmeCo", "  ACMECO ", "ACME  co"])
async def test_a_second_open_case_for_the_client_is_refused(engine: Engine, store: SQLiteStore,
                                                            again: str) -> None:
    first = await open_case(engine, "AcmeCo")
    with pytest.raises(Conflict) as refused:
        await engine.open_case(again, HEADER, MARY)
    assert refused.value.case_id == first.case_id
    assert first.case_id in refused.value.message
    assert "Alice Admin" in refused.value.message
    assert [c.id for c in await store.list_cases()] == [first.case_id]


async def test_after_cancelling_a_new_case_opens_and_the_old_one_cannot_be_reopened(
        engine: Engine, store: SQLiteStore) -> None:
    first = await open_case(engine, "AcmeCo")
    cancelled = await engine.cancel_case(first.case_id, "Client changed their mind", ALICE)
    assert cancelled.changed

    second = await open_case(engine, "acme co")
    assert second.case_id != first.case_id

    with pytest.raises(Conflict) as refused:
        await engine.reopen_case(first.case_id, "Client came back", ALICE)
    assert refused.value.case_id == second.case_id
    assert second.case_id in refused.value.message
    old = await store.get_case(first.case_id)
    assert old is not None and old.status == "cancelled"
    assert {c.status for c in await store.list_cases()} == {"open", "cancelled"}


async def test_a_cancelled_case_reopens_when_the_client_has_no_other(engine: Engine,
                                                                     store: SQLiteStore) -> None:
    first = await open_case(engine, "AcmeCo")
    await engine.cancel_case(first.case_id, "Paused", ALICE)
    out = await engine.reopen_case(first.case_id, "Client came back", MARY)
    assert out.changed
    case = await store.get_case(first.case_id)
    assert case is not None and case.status == "open" and case.closed_at is None
    with pytest.raises(Conflict):
        await engine.open_case("AcmeCo", HEADER, ALICE)


# ---------------------------------------------------------------- who may open
@pytest.mark.parametrize("who", [OSCAR, TOM], ids=["outsider", "tech"])
async def test_only_admin_or_a_manager_opens_a_case(engine: Engine, store: SQLiteStore, who: Actor) -> None:
    watch = await OutboxWatch(store).start()
    with pytest.raises(NotAllowed, match="Admin"):
        await engine.open_case("AcmeCo", HEADER, who)
    await nothing_stored(store)
    assert await watch.notices() == []


async def test_a_manager_opens_a_case(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine, who=MARY)
    case = await store.get_case(walk.case_id)
    assert case is not None and case.opened_by["name"] == "Mary Manager"


async def test_the_same_open_request_twice_opens_one_case(engine: Engine, store: SQLiteStore) -> None:
    first = await engine.open_case("AcmeCo", HEADER, ALICE, request_id="slack:abc")
    again = await engine.open_case("AcmeCo", HEADER, ALICE, request_id="slack:abc")
    assert first.status == "changed"
    assert again.status == "duplicate" and again.case_id == first.case_id
    assert len(await store.list_cases()) == 1


# ---------------------------------------------------------------- look-alike names
@pytest.mark.parametrize("alike", ["\u0410cmeCo", "ＡｃｍｅＣｏ", "Acme\u200dCo", "AcrneCo"])
async def test_a_look_alike_of_an_open_case_is_the_same_client(engine: Engine, store: SQLiteStore,
                                                               alike: str) -> None:
    await open_case(engine, "AcmeCo")
    with pytest.raises(Conflict, match="looks like AcmeCo: AcmeCo already has an open case"):
        await engine.open_case(alike, HEADER, ALICE)
    assert [c.client for c in await store.list_cases()] == ["AcmeCo"]


async def test_a_phone_is_read_in_the_configured_region(store: SQLiteStore, engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="not a valid phone number in region US") as refused:
        await engine.open_case("AcmeCo", header(contact_phone="020 7946 0958"), ALICE)
    assert refused.value.field == "contact_phone"
    engine.phone_region = "GB"
    walk = await open_case(engine, header=header(contact_phone="020 7946 0958"))
    assert (await store.get_case(walk.case_id)).header["contact_phone"] == "020 7946 0958"  # type: ignore[union-attr]


# ---------------------------------------------------------------- which case a name means
async def test_a_name_means_the_open_case_else_the_latest_completed_else_cancelled(
        engine: Engine, store: SQLiteStore) -> None:
    first = await open_case(engine, "AcmeCo")
    await engine.cancel_case(first.case_id, "Wrong client", ALICE)
    second = await open_case(engine, "AcmeCo")
    case = await store.get_case(second.case_id)
    assert case is not None
    async with store.write() as tx:  # completed (as a walk to the end would leave it)
        case.status = "completed"
        await tx.update_case(case)
    third = await open_case(engine, "acme co")
    await engine.cancel_case(third.case_id, "Opened twice by mistake", ALICE)

    found = await engine.lookup("ACMECO")
    assert found.case is not None and found.case.id == second.case_id, "completed beats a newer cancelled"
    assert {c.id for c in found.others} == {first.case_id, third.case_id}
    note = found.note(engine.tz) or ""
    assert note.startswith(f"AcmeCo has 3 cases; this is the completed one ({second.case_id}). Not shown: ")
    assert f"{third.case_id} (cancelled" in note and f"{first.case_id} (cancelled" in note

    by_id = await engine.lookup(first.case_id)
    assert by_id.case is not None and by_id.case.id == first.case_id and by_id.note(engine.tz) is None
    assert (await engine.lookup("c0000000000")).case is None


async def test_reopening_a_cancelled_case_needs_a_reason_and_records_it(engine: Engine,
                                                                         store: SQLiteStore) -> None:
    walk = await open_case(engine, "AcmeCo")
    await engine.cancel_case(walk.case_id, "Client stays", ALICE)
    with pytest.raises(InvalidInput, match="Reason is required"):
        await engine.reopen_case(walk.case_id, " ", ALICE)
    out = await engine.reopen_case(walk.case_id, "Client leaves after all", ALICE)
    assert out.changed and out.message == "Reopened the case for AcmeCo: Client leaves after all"
    (event,) = [
        e for e in await store.get_events(walk.case_id) if e.kind == "case_reopened"]
    assert event.note == "Client leaves after all"
