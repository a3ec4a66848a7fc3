"""``python -m bot export CLIENT --doc memo|summary|checklist --format md|html|pdf [-o FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.app import services
from bot.config import Config
from bot.documents import DOCUMENTS, FORMATS
from dialogs.names import printable


def add_parser(sub: Any) -> None:
    """Register the export subcommand on the CLI's subparsers."""
    p = sub.add_parser("export", help="write a case's memo, summary report or checklist to a file",
                       description="Render one of a case's documents. Markdown and HTML go to standard "
                                   "output unless -o is given; a PDF goes to -o, or to CLIENT-DOC.pdf.")
    p.add_argument("client", help="client name (any case and spacing) or case id: its open case, else its "
                                  "latest completed, else its latest cancelled")
    p.add_argument("--doc", required=True, choices=DOCUMENTS, help="which document")
    p.add_argument("--format", dest="fmt", default="md", choices=FORMATS, help="md (default), html or pdf")
    p.add_argument("-o", "--output", type=Path, help="file to write (- for standard output)")


async def export(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Render the document and write it; 1 if the client has no case."""
    async with services(config) as svc:
        found = await svc.engine.lookup(args.client)
        case = found.case
        if case is None:
            print(f"error: no case for client {printable(args.client)!r}", file=err)
            return 1
        note = found.note(svc.engine.tz)
        if note:
            print(f"note: {printable(note)}", file=err)
        if not config.company.configured:
            print("warning: no company name configured; set name in the [company] table of the "
                  "OFFBOARD_CONFIG file (see docs/documents.md)", file=err)
        docs = svc.documents
        rendered = await docs.render(case.id, args.doc, args.fmt)
    target: Path | None = args.output
    if target is None and args.fmt == "pdf":
        target = Path(rendered.filename)
    if target is None or str(target) == "-":
        if args.fmt == "pdf":
            if out is sys.stdout:
                sys.stdout.buffer.write(rendered.content)
                return 0
            print("error: a PDF needs -o FILE", file=err)
            return 2
        # On standard output (a terminal, a pipe): no raw control character from stored data.
        out.write(printable(rendered.text, keep="\n\t"))
        return 0
    try:
        target.write_bytes(rendered.content)
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror or exc}", file=err)
        return 1
    print(f"Wrote {rendered.title} ({args.fmt}) to {target}", file=err)
    return 0
