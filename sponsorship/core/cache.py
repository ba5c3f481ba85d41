"""The stamped cache: what was built from the data, reused while the data is unchanged.

Every cache of the app keeps values built from the database: rendered pages, the
signed-in users' rows, the programme's figures, the review's rankings. Each value is
kept with the data stamp it was built at (models/data_version.py: a random stamp that
every writing transaction changes) and is served only at that same stamp, so it is
never older than the last commit a reader could see. A stamp of None (the data has no
stamp, or the transaction wrote what it has not committed) keeps nothing.

The cache is bounded: past `size` entries the least recently used goes. It is shared by
one process's threads; its lock is held for the lookup alone, never while a value is
built, so a slow computation holds up no other key. Two threads that miss the same key
at once both compute it; a caller that must build a value once at a time (the page
cache) adds that on top.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class StampedCache(Generic[V]):
    """A bounded, thread-safe LRU of values, each valid at the stamp it was built at.

    Values are never None: None is what `get` answers for "not kept at this stamp".
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a stamped cache holds at least one entry")
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[str, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: str | None) -> V | None:
        """The value kept under `key` if it was built at `stamp`, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, stamp: str | None, value: V) -> None:
        """Keep `value`, built at `stamp`, under `key` (replacing what was there)."""
        if stamp is None:
            return
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_compute(self, key: Hashable, stamp: str | None, compute: Callable[[], V]) -> V:
        """The value kept at `stamp`, or `compute()`'s, then kept at `stamp`."""
        value = self.get(key, stamp)
        if value is None:
            value = compute()
            self.put(key, stamp, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
