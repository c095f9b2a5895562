"""The one exception type an importer may raise: unreadable input, explained for a coach."""

from __future__ import annotations


class IngestError(Exception):
    """The file cannot be imported at all. Nothing from it is stored.

    The message says what is wrong and what to do, in words a coach understands; ``str()`` gives
    the one-line CLI form ``FILE:LINE: message`` (``FILE: message`` when no line applies, e.g. a
    file that cannot be opened).
    """

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line > 0 else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message
