"""Reading a log that its writer may have been killed in the middle of: only up to its last
newline, streamed (never whole in memory). requests.csv and the edge's log both read so."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO


class FirstBytes(io.RawIOBase):
    """The first ``limit`` bytes of an open binary file, read as a stream (the parser reads
    a block at a time: the file is never all in memory, as a read or a map would leave it)."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        super().__init__()
        self._handle = handle
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self._left]
        done = self._handle.readinto(view) or 0
        self._left -= done
        return done


def last_newline(path: Path, size: int) -> int:
    """The offset of the file's last newline (-1: none), read from its tail."""
    with path.open("rb") as handle:
        step = 1 << 16
        position = size
        while position > 0:
            start = max(0, position - step)
            handle.seek(start)
            found = handle.read(position - start).rfind(b"\n")
            if found >= 0:
                return start + found
            position = start
    return -1
