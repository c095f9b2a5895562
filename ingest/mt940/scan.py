"""A cheap scan beside the ``mt-940`` library, for what the library cannot tell us.

The library gives no line numbers, merges a statement-level ``:86:`` after ``:62F:`` into the
last transaction, right-strips every line (losing the space a bank may cut a 65-character line
after) and ignores everything of a file that lacks ``:20:``. One pass over the tags records per
statement the line of its ``:20:`` (or of its ``:25:``), its balance lines, and per ``:61:`` its
line and raw ``:86:`` lines. Statements are split exactly where the library splits them, so
the k-th ``:61:`` here is the k-th transaction there.

The pass jumps from tag to tag with one regular expression and counts line breaks in between
with ``str.count``, so its cost is per tag, not per line: it has to stay small next to the
library's own parse (see the speed target in the package docs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.errors import IngestError

_TAG = re.compile(r"^:(\d\d|NS)[A-Z]?:", re.MULTILINE)
# The tag numbers the library knows; any other ":NN:" line is content of the previous tag there.
_KNOWN = frozenset(
    {"13", "20", "21", "25", "28", "34", "60", "61", "62", "64", "65", "86", "90", "NS"}
)


@dataclass(slots=True)
class Entry:
    """One ``:61:`` with the raw lines of the ``:86:`` tags that follow it."""

    line: int
    details: list[str] = field(default_factory=list)
    details_line: int = 0


@dataclass(slots=True)
class Block:
    """One statement: from a ``:20:`` (or a ``:25:`` without one) to the next."""

    line: int
    offset: int = 0
    synthetic_20: bool = False
    has_account: bool = False
    opening_line: int = 0
    opening_text: str = ""
    closing_line: int = 0
    closing_text: str = ""
    entries: list[Entry] = field(default_factory=list)
    info: list[str] = field(default_factory=list)


def _add_lines(target: list[str], content: str) -> None:
    """Append the lines of one ``:86:`` value; an empty line is skipped, and a ``-`` line or a
    SWIFT block line (``{...``, ``-}``) ends the value."""
    parts = content.split("\n")
    if parts[-1] == "":
        parts.pop()
    if "\n-" not in content and "\n{" not in content and "\n\n" not in content:
        target += parts
        return
    target.append(parts[0])
    for part in parts[1:]:
        if not part:
            continue
        if part == "-" or part[0] == "{" or part.startswith("-}"):
            return
        target.append(part)


def _line_end(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def scan(text: str, filename: str) -> list[Block]:
    """Walk the tags once; see the module docstring."""
    blocks: list[Block] = []
    block: Block | None = None
    entry: Entry | None = None  # the open transaction, while its :86: tags may follow
    target: list[str] | None = None  # the :86: value being read goes here
    content_start = 0
    line = 1
    pos = 0
    count = text.count
    for m in _TAG.finditer(text):
        tag = m.group(1)
        if tag not in _KNOWN:
            continue
        start = m.start()
        line += count("\n", pos, start)
        pos = start
        if target is not None:
            _add_lines(target, text[content_start:start])
            target = None
        if tag == "86":
            if block is None:
                continue
            if entry is not None:
                target = entry.details
                if not entry.details_line:
                    entry.details_line = line
            else:
                target = block.info
            content_start = m.end()
        elif tag == "61":
            if block is None:
                raise IngestError(
                    filename,
                    line,
                    "transactie (:61:) staat buiten een afschrift (geen :20: of :25: ervoor); "
                    "exporteer het afschrift opnieuw bij de bank",
                )
            entry = Entry(line)
            block.entries.append(entry)
        elif tag == "NS":
            pass
        else:
            entry = None
            if tag == "20":
                block = Block(line, start)
                blocks.append(block)
            elif tag == "25":
                if block is None or block.has_account:
                    block = Block(line, start, synthetic_20=True)
                    blocks.append(block)
                block.has_account = True
            elif block is None:
                pass
            elif tag == "60":
                block.opening_line = line
                block.opening_text = _line_end(text, start)
            elif tag == "62":
                block.closing_line = line
                block.closing_text = _line_end(text, start)
    if target is not None:
        _add_lines(target, text[content_start:])
    return blocks


def library_text(text: str, blocks: list[Block]) -> str:
    """The text for the library: the file, with a ``:20:`` put before every statement that
    lacks one (some ABN AMRO exports), because the library splits statements on ``:20:``."""
    missing = [b.offset for b in blocks if b.synthetic_20]
    if not missing:
        return text
    pieces = []
    prev = 0
    for offset in missing:
        pieces += [text[prev:offset], ":20:\n"]
        prev = offset
    pieces.append(text[prev:])
    return "".join(pieces)
