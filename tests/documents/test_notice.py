"""The engine's "document" notices carry what an adapter needs to render and post the document."""

from __future__ import annotations

from bot.documents import Documents
from bot.outbox import Dispatcher
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.documents.walk import StillClock, walk_all
from tests.fakes import RecordingSender


async def test_each_document_notice_renders_its_document(
        store: SQLiteStore, doc_engine: Engine, documents: Documents, still_clock: StillClock) -> None:
    recorder = RecordingSender()
    dispatcher = Dispatcher(store, [recorder], clock=still_clock)
    await dispatcher.start()
    case_id = await walk_all(doc_engine, still_clock)
    for _ in range(20):
        await dispatcher.run_once()
    notices = recorder.of("document")
    assert [n.payload["document"] for n in notices] == ["memo", "summary", "checklist"]
    for notice in notices:
        doc = await documents.for_notice(notice.payload, "md")
        assert doc.document == notice.payload["document"] and doc.format == "md"
        assert doc.filename == f"acmeco-{doc.document}.md"
        assert "AcmeCo" in doc.text and case_id == notice.payload["case_id"]
