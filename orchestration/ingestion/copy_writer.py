"""A COPY writer that sends data from a thread, with a bounded queue.

While PostgreSQL ingests one block, the loading thread parses the next. psycopg's own
`QueuedLibpqWriter` (psycopg 3.3) does the same but queues up to 1024 blocks of 128 KiB,
so when the server is the slower side (JSON Lines, whose `_record` PostgreSQL parses) a load could
hold about 128 MiB of pending data. This writer keeps at most `max_blocks` blocks
waiting, so the loader's memory does not depend on the file size.
"""

from __future__ import annotations

import threading
from queue import Queue
from typing import Any

from psycopg import Cursor
from psycopg.copy import LibpqWriter

# Blocks waiting to be sent; with blocks of about 1 MiB this bounds the queue near 8 MiB.
DEFAULT_MAX_BLOCKS = 8


class BoundedQueueWriter(LibpqWriter):
    """Send COPY data to the server from a worker thread, queueing at most `max_blocks`."""

    def __init__(self, cursor: Cursor[Any], *, max_blocks: int = DEFAULT_MAX_BLOCKS) -> None:
        super().__init__(cursor)
        self._blocks: Queue[bytes | None] = Queue(maxsize=max_blocks)
        self._sender: threading.Thread | None = None
        self._send_error: BaseException | None = None

    def write(self, data) -> None:
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_blocks, daemon=True)
            self._sender.start()
        if self._send_error is not None:
            raise self._send_error
        self._blocks.put(bytes(data))

    def _send_blocks(self) -> None:
        try:
            while (data := self._blocks.get()) is not None:
                LibpqWriter.write(self, data)
        except BaseException as error:  # re-raised in the loading thread
            self._send_error = error
            # Keep draining, or write() would block forever on a full queue.
            while self._blocks.get() is not None:
                pass

    def finish(self, exc: BaseException | None = None) -> None:
        if self._sender is not None:
            self._blocks.put(None)
            self._sender.join()
            self._sender = None
        if self._send_error is not None:
            raise self._send_error
        super().finish(exc)
