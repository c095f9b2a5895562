"""Memory for the engine's output arrays, handed out zeroed and reused once nothing uses it.

The engine writes its distinct rows into arrays sized for the worst case (every household-month
its own row), of which only the rows written are ever touched. In fresh memory each 4 KiB page
touched costs the kernel a page fault and a zeroing (about 0.9 ms per MB here, a fifth of a run
over 200 000 households). A caller that evaluates chunk after chunk (the batch facts) drops each
chunk's result before the next, so the arena keeps the mappings of dropped results and hands
them out again: their written pages are still resident and only need zeroing in user space.

Ownership: every array of at least :data:`MAPPED_FROM` bytes comes from its own region of an
anonymous mapping, wrapped in a small object that is the array's base; views, slices and polars
Series made from the array keep that object alive. Only when the last of them is gone does the
region go back to the arena, so two results alive at the same time never share memory (a test
checks this). A region reused is zeroed up to the extent its previous user declared written
(:meth:`Arena.written`; by default all of it), so reused arrays read as zeros like fresh ones.

Mappings are plain anonymous mappings without numpy's transparent-huge-page advice: where the
kernel compacts memory on such page faults (``defrag=madvise``) filling fresh arrays stalls.
"""

from __future__ import annotations

import ctypes
import mmap
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

MAPPED_FROM = 1 << 20  # bytes; smaller arrays come from numpy's allocator
KEEP_BYTES = 256 << 20  # written bytes of idle regions kept at most (the rest is unmapped)


@dataclass(eq=False)
class _Region:
    """One anonymous mapping; ``dirty`` bytes from its start may hold non-zero values."""

    map: mmap.mmap
    capacity: int
    dirty: int = 0
    tag: object = None  # what it was last used for


class Arena:
    """Zeroed arrays in reusable anonymous mappings (see the module docstring)."""

    def __init__(self, keep_bytes: int = KEEP_BYTES) -> None:
        # Reentrant: a garbage collection inside a locked section may release a region.
        self._lock = threading.RLock()
        self._idle: list[_Region] = []
        self._busy: dict[int, _Region] = {}  # id of an array's base object: its region
        self._keep = keep_bytes

    def zeros(self, n: int, dtype: Any, tag: object = None) -> np.ndarray:
        """A zeroed array of ``n`` values; large ones from a (reused) region of this arena.

        ``tag`` names what the array is for (a regeling's step): the region used for the same
        tag last time is preferred, as its written pages are most likely the ones needed now.
        """
        kind = np.dtype(dtype)
        size = n * kind.itemsize
        if size < max(1, MAPPED_FROM):
            return np.zeros(n, dtype=kind)
        with self._lock:
            # The one used for this tag; else the smallest that fits, and among those the one
            # with the most pages already resident.
            fits = [r for r in self._idle if r.capacity >= size]
            rank = lambda r: (tag is None or r.tag != tag, r.capacity, -r.dirty)  # noqa: E731
            region = min(fits, key=rank, default=None)
            if region is not None:
                self._idle.remove(region)
        if region is None:
            region = _Region(mmap.mmap(-1, size), size)
        if region.dirty:  # resident pages: zeroing them costs no page faults
            stale = (ctypes.c_char * region.dirty).from_buffer(region.map)
            ctypes.memset(ctypes.addressof(stale), 0, region.dirty)
            del stale
        region.dirty, region.tag = size, tag  # dirty: until the user says otherwise (written)
        owner = (ctypes.c_char * size).from_buffer(region.map)
        with self._lock:
            self._busy[id(owner)] = region
        weakref.finalize(owner, self._release, id(owner)).atexit = False  # nothing to do then
        return np.frombuffer(owner, dtype=kind, count=n)

    def written(self, array: np.ndarray, nbytes: int) -> None:
        """Declare that at most the first ``nbytes`` of ``array``'s region will have been written
        when it is released (so only those are zeroed when it is handed out again)."""
        base = array.base
        while isinstance(base, np.ndarray):
            base = base.base
        with self._lock:
            region = self._busy.get(id(base))
            if region is not None:
                region.dirty = min(region.dirty, max(0, nbytes))

    def idle_bytes(self) -> int:
        """The written bytes of the regions waiting to be reused."""
        with self._lock:
            return sum(r.dirty for r in self._idle)

    def clear(self) -> None:
        """Unmap every idle region (regions in use return later, and are then kept)."""
        with self._lock:
            self._idle.clear()

    def _release(self, key: int) -> None:
        with self._lock:
            region = self._busy.pop(key)
            self._idle.append(region)
            kept = sum(r.dirty for r in self._idle)
            while kept > self._keep and self._idle:  # the largest go first
                largest = max(self._idle, key=lambda r: r.dirty)
                self._idle.remove(largest)
                kept -= largest.dirty
