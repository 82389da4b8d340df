"""Stream a file in blocks, computing its SHA-256 and size on the way.

Adapters read lines through these helpers, never the whole file, so memory stays flat
whatever the file size. Invalid bytes are reported with their byte offset in the file.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from pathlib import Path

from orchestration.ingestion.errors import EncodingError

BLOCK_SIZE = 1 << 20
DEFAULT_ENCODING = "utf-8"


class FileStream:
    """A file read once from start to end, with its checksum computed while reading."""

    def __init__(self, path: str | Path, block_size: int = BLOCK_SIZE) -> None:
        self.path = Path(path)
        self.block_size = block_size
        self.byte_size = 0
        self._hash = hashlib.sha256()
        self._file = open(self.path, "rb")  # noqa: SIM115 - closed by close() or finish()
        self.exhausted = False

    def __enter__(self) -> FileStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def blocks(self) -> Iterator[bytes]:
        """Yield the file's bytes in blocks, updating the checksum and size."""
        while True:
            block = self._file.read(self.block_size)
            if not block:
                self.exhausted = True
                return
            self._hash.update(block)
            self.byte_size += len(block)
            yield block

    def finish(self) -> str:
        """Read whatever is left (after an error, for instance) and return the SHA-256."""
        if not self._file.closed:
            for _ in self.blocks():
                pass
            self.close()
        return self.sha256

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def iter_byte_lines(stream: FileStream) -> Iterator[tuple[bytes, int]]:
    """Yield each line of the file as bytes, with the byte offset where it starts.

    Lines keep their terminating newline, so a last line without one is visible to the
    caller (a sign of a truncated file).
    """
    offset = 0
    carry = b""
    for block in stream.blocks():
        if carry:
            block = carry + block
        lines = block.split(b"\n")
        carry = lines.pop()
        for line in lines:
            yield line + b"\n", offset
            offset += len(line) + 1
    if carry:
        yield carry, offset


def iter_text_lines(stream: FileStream, encoding: str = DEFAULT_ENCODING) -> Iterator[str]:
    """Decode the file block by block and yield its lines with their line endings.

    A UTF-8 byte order mark at the start is dropped. Raises EncodingError with the byte
    offset and the line number of the first byte that is invalid in `encoding`.
    """
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")

    consumed = 0
    line_count = 0
    carry = ""
    for block in stream.blocks():
        try:
            text = decoder.decode(block)
        except UnicodeDecodeError as error:
            pending = len(decoder.getstate()[0])
            raise _encoding_error(
                stream, encoding, consumed - pending + error.start, error
            ) from None
        consumed += len(block)

        if carry:
            text = carry + text
        lines = text.split("\n")
        carry = lines.pop()
        line_count += len(lines)
        for line in lines:
            yield line + "\n"

    try:
        text = decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        pending = len(decoder.getstate()[0])
        raise _encoding_error(stream, encoding, consumed - pending + error.start, error) from None
    carry += text
    if carry:
        yield carry


def _encoding_error(
    stream: FileStream, encoding: str, offset: int, error: UnicodeDecodeError
) -> EncodingError:
    line = _line_at_offset(stream.path, offset)
    bad = error.object[error.start : error.start + 4].hex(" ")
    name = "UTF-8" if encoding.startswith("utf-8") else encoding
    return EncodingError(
        stream.path,
        f"invalid {name} at byte offset {offset} (bytes {bad}): {error.reason}",
        line=line,
        byte_offset=offset,
        hint="re-export the file as UTF-8, or pass the file's real encoding",
    )


def _line_at_offset(path: Path, offset: int) -> int:
    """Return the 1-based line number that contains byte `offset`."""
    newlines = 0
    remaining = offset
    with open(path, "rb") as file:
        while remaining > 0:
            block = file.read(min(BLOCK_SIZE, remaining))
            if not block:
                break
            newlines += block.count(b"\n")
            remaining -= len(block)
    return newlines + 1
