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
from array import array
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
    offset: int = 0
    details: list[str] = field(default_factory=list)
    details_line: int = 0


@dataclass(slots=True)
class Block:
    """One statement: from a ``:20:`` (or a ``:25:`` without one) to the next.

    Its entries are kept as numbers only (a statement may hold a million): per ``:61:`` its
    line and offset, the line of its first ``:86:`` and the span of text its ``:86:`` values
    lie in; :meth:`entries` turns a range of them into :class:`Entry` objects.
    """

    line: int
    offset: int = 0
    synthetic_20: bool = False
    has_account: bool = False
    opening_line: int = 0
    opening_text: str = ""
    closing_line: int = 0
    closing_text: str = ""
    info: list[str] = field(default_factory=list)
    end: int = 0
    """Offset where the next statement starts (or the end of the text)."""
    tail: int = 0
    """Offset of the first tag after the entries that is not ``:61:``/``:86:`` (0: none)."""
    chunkable: bool = True
    """Only ``:61:``/``:86:`` between the first entry and the tail: the entries can be given to
    the library in slices, each between the header and the tail (see :mod:`ingest.mt940.stream`)."""
    lines: array[int] = field(default_factory=lambda: array("q"))
    offsets: array[int] = field(default_factory=lambda: array("q"))
    details_lines: array[int] = field(default_factory=lambda: array("q"))
    spans: array[int] = field(default_factory=lambda: array("q"))
    """Two numbers per entry: where its first ``:86:`` value starts and its last one ends."""

    @property
    def count(self) -> int:
        return len(self.lines)

    def entries(self, text: str, first: int = 0, end: int | None = None) -> list[Entry]:
        """Entries ``first..end-1`` with their ``:86:`` lines, read again from ``text``."""
        stop = self.count if end is None else end
        spans = self.spans
        return [
            Entry(
                self.lines[i],
                self.offsets[i],
                _details(text, spans[2 * i], spans[2 * i + 1]),
                self.details_lines[i],
            )
            for i in range(first, stop)
        ]


def _details(text: str, start: int, end: int) -> list[str]:
    """The ``:86:`` lines of one entry: its ``:86:`` values between ``start`` and ``end``, split
    at the known tags in between exactly as :func:`scan` reads them."""
    lines: list[str] = []
    if end <= start:
        return lines
    content_start: int | None = start
    for m in _TAG.finditer(text, start, end):
        if m.group(1) not in _KNOWN:
            continue
        if content_start is not None:
            _add_lines(lines, text[content_start : m.start()])
        content_start = m.end() if m.group(1) == "86" else None
    if content_start is not None:
        _add_lines(lines, text[content_start:end])
    return lines


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
    entry = -1  # the open transaction (index in its block), while its :86: tags may follow
    info = False  # a statement-level :86: value is being read
    reading = False  # a :86: value is being read (to the next known tag)
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
        if reading:
            assert block is not None
            if info:
                _add_lines(block.info, text[content_start:start])
            else:
                block.spans[2 * entry + 1] = start
            reading = info = False
        if block is not None and block.count and tag != "86" and tag != "61" and not block.tail:
            block.tail = start
        if tag == "86":
            if block is None:
                continue
            reading = True
            if entry >= 0:
                if not block.details_lines[entry]:
                    block.details_lines[entry] = line
                    block.spans[2 * entry] = m.end()
            else:
                info = True
            content_start = m.end()
        elif tag == "61":
            if block is None:
                raise IngestError(
                    filename,
                    line,
                    "transactie (:61:) staat buiten een afschrift (geen :20: of :25: ervoor); "
                    "exporteer het afschrift opnieuw bij de bank",
                )
            entry = block.count
            block.lines.append(line)
            block.offsets.append(start)
            block.details_lines.append(0)
            block.spans.extend((0, 0))
            if block.tail:
                block.chunkable = False
        elif tag == "NS":
            pass
        else:
            entry = -1
            if tag == "20":
                if block is not None:
                    block.end = start
                block = Block(line, start)
                blocks.append(block)
            elif tag == "25":
                if block is None or block.has_account:
                    if block is not None:
                        block.end = start
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
    if reading and block is not None:
        if info:
            _add_lines(block.info, text[content_start:])
        else:
            block.spans[2 * entry + 1] = len(text)
    if block is not None:
        block.end = len(text)
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
