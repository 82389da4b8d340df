"""Errors raised while reading a snapshot file.

Every error names the file, the 1-based physical line (for JSON Lines, the line of the
object), the column when one is involved, what is wrong and what to do about it. The
loader turns any `IngestionError` into a quarantine entry.
"""

from __future__ import annotations

from pathlib import Path


class IngestionError(Exception):
    """A snapshot file that cannot be loaded as it is."""

    reason = "invalid_file"

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        """Format the error as `FILE:LINE: column COLUMN: MESSAGE. HINT`."""
        location = self.file
        if self.line is not None:
            location += f":{self.line}"
        text = f"{location}: "
        if self.column is not None:
            text += f"column {self.column!r}: "
        text += self.message
        if self.hint:
            hint = self.hint.rstrip(".")
            text += f". {hint[0].upper()}{hint[1:]}."
        return text


class EmptyFileError(IngestionError):
    """A file with no bytes, or with no rows for an object that requires rows."""

    reason = "empty_file"


class EncodingError(IngestionError):
    """Bytes that are invalid in the file's declared encoding."""

    reason = "invalid_encoding"

    def __init__(self, file: str | Path, message: str, *, byte_offset: int, **kwargs) -> None:
        self.byte_offset = byte_offset
        super().__init__(file, message, **kwargs)


class DelimiterError(IngestionError):
    """A CSV file separated by something other than commas."""

    reason = "wrong_delimiter"


class MissingColumnError(IngestionError):
    """A required column that the file does not have."""

    reason = "missing_column"


class UnknownColumnError(IngestionError):
    """A column the spec does not know, for an object that rejects unknown columns."""

    reason = "unknown_column"


class InvalidValueError(IngestionError):
    """A value that does not parse as its column's kind (integer, date, money, ...)."""

    reason = "invalid_value"


class TruncatedFileError(IngestionError):
    """A last line cut off in the middle: too few fields, an open quote, partial JSON."""

    reason = "truncated_file"


class MalformedRowError(IngestionError):
    """A row with the wrong number of fields or a line that is not a JSON object."""

    reason = "malformed_row"


class DuplicateKeyError(IngestionError):
    """Two rows of one file with the same primary key."""

    reason = "duplicate_key"


class SnapshotFolderError(ValueError):
    """A snapshot folder whose name is not an extraction time."""
