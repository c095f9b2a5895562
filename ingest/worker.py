"""Read a large file in a second process while this one stores it: two cores instead of one.

Parsing (``lxml``, the ``mt-940`` library, our ``:86:`` splitters) and storing (SQLite) are
both CPU-bound, and neither releases the GIL long enough for two threads to run at once (we
measured: a thread pair runs no faster than one thread). So the parent starts
``python -m ingest.worker``, which runs the importer's streaming reader on the file and sends
each :class:`ingest.rows.RowBatch` down a pipe as a pickle; the parent stores one batch while
the worker reads the next. A thread of the parent drains the pipe into a short queue (reading
a pipe releases the GIL), so the worker keeps parsing while the parent writes the raw file or
a batch; when :data:`QUEUE` batches wait, the worker waits too, which bounds the memory.

The worker only reads the file; every database write stays in the parent's one transaction, so
all-or-nothing holds as before. A failure in the worker comes back as the same
:class:`IngestError` the in-process reader would raise; a worker that dies is an error too.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ingest.errors import IngestError
from ingest.rows import Batcher, Extraction, RowBatch, StreamRestart
from ingest.source import Source

QUEUE = 6
"""Batches that may wait in the parent (about 1 MB each)."""

_ROOT = str(Path(__file__).resolve().parent.parent)
COMMAND = (sys.executable, "-m", "ingest.worker")
_HEADER = 8


def _read_frames(
    stream: BinaryIO, frames: queue.Queue[bytes | None], stop: threading.Event
) -> None:
    """Move length-prefixed frames from the pipe to ``frames``; ``None`` at the end."""
    try:
        while not stop.is_set():
            header = stream.read(_HEADER)
            if len(header) < _HEADER:
                break
            frame = stream.read(int.from_bytes(header, "little"))
            while not stop.is_set():
                try:
                    frames.put(frame, timeout=0.1)
                    break
                except queue.Full:
                    continue
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(queue.Full):
            frames.put(None, timeout=1)


class WorkerExtraction(Extraction):
    """The streaming extraction of ``importer`` run in a worker process."""

    def __init__(self, local: Extraction, importer: object, path: Path, filename: str) -> None:
        super().__init__(local.format, local.bank, local.dialect)
        self.request = {
            # the worker imports only the importer's own package (its IMPORTERS), not all
            "package": type(importer).__module__.rpartition(".")[0],
            "importer": getattr(importer, "name", ""),
            "path": str(path),
            "filename": filename,
        }
        self.filename = filename
        self._process: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE)
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._batcher = Batcher()

    def start(self) -> None:
        """Start the worker now, so it starts up while the parent hashes and keeps the file."""
        if self._process is not None:
            return
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        try:
            pickle.dump(self.request, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.close()
        except OSError:  # it died at once; reading its answer says so
            pass
        self._reader = threading.Thread(
            target=_read_frames,
            args=(process.stdout, self._frames, self._stop),
            name="ingest-worker-reader",
            daemon=True,
        )
        self._reader.start()

    def batches(self) -> Iterator[RowBatch]:
        self.start()
        process = self._process
        assert process is not None
        while True:
            message = self._receive()
            kind = message[0]
            if kind == "batch":
                self.bank = message[2]
                batch = self._batcher.finish(message[1])
                if batch is not None:
                    yield batch
            elif kind == "end":
                self.statements, self.problems, self.bank, self.dialect = message[1:]
                break
            elif kind == "error":
                raise IngestError(*message[1:])
            elif kind == "restart":
                raise StreamRestart
            else:
                raise RuntimeError(f"ingest worker failed:\n{message[1]}")
        process.wait()

    def _receive(self) -> tuple[Any, ...]:
        frame = self._frames.get()
        if frame is None:
            code = self._process.wait() if self._process is not None else None
            raise IngestError(
                self.filename,
                0,
                f"het inlezen is onverwacht afgebroken (werkproces gestopt, code {code}); "
                "probeer het opnieuw, en meld het als het blijft gebeuren",
            )
        message: tuple[Any, ...] = pickle.loads(frame)
        return message

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._stop.set()
        if process.poll() is None:
            process.kill()
        process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


GC_THRESHOLD = 100_000
"""Container allocations between two collections of the youngest generation in the worker
(Python's default: 700). Reading a block makes hundreds of thousands of short-lived tuples and
lists and no reference cycles to speak of, so with the default the collector ran 360 times
per 100 000 CAMT entries and took a tenth of the worker's time; at this threshold it does not
run at all there, and what it would find waits at most this many objects longer."""


def _run(request: dict[str, str], send: Any) -> None:
    Batcher.raw = True  # the parent makes columns and keys: it waits for us anyway
    package = importlib.import_module(request["package"])
    gc.freeze()  # the modules just imported are never garbage: collections skip them
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    found = [i for i in getattr(package, "IMPORTERS", ()) if i.name == request["importer"]]
    source = Source.of_path(request["path"], request["filename"])
    stream = getattr(found[0], "stream", None) if found else None
    extraction: Extraction | None = (
        stream(source, request["filename"]) if stream is not None else None
    )
    if extraction is None:
        raise RuntimeError(f"importer {request['importer']!r} does not stream this file")
    for batch in extraction.batches():
        send(("batch", batch, extraction.bank))
    send(("end", extraction.statements, extraction.problems, extraction.bank, extraction.dialect))


def main() -> None:
    """The worker: one request on stdin, pickled messages on (the original) stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the message stream

    def send(message: tuple[Any, ...]) -> None:
        frame = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(frame).to_bytes(_HEADER, "little"))
        out.write(frame)
        out.flush()

    try:
        request = pickle.load(sys.stdin.buffer)
        _run(request, send)
    except IngestError as exc:
        send(("error", exc.file, exc.line, exc.message))
    except StreamRestart:
        send(("restart",))
    except BrokenPipeError:
        return  # the parent stopped reading (it failed or was interrupted)
    except BaseException:
        send(("crash", traceback.format_exc()))
    finally:
        with contextlib.suppress(BrokenPipeError):
            out.close()


if __name__ == "__main__":
    main()
