"""NetSuite journal import: one CSV file per journal, dropped into a folder for CSV Import.

Every row is one journal line and repeats the journal's header fields, which is how the
NetSuite Import Assistant groups lines into journal entries (by External ID). The file is
named after the idempotency key and is created atomically: a reader never sees half a
file, and a key that already has a file is never written twice.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
from datetime import date
from pathlib import Path

from orchestration.posting.adapters.base import ErpResult, PermanentErpError, TransientErpError
from orchestration.posting.journal import Journal, canonical_amount

logger = logging.getLogger("tieout.posting")

HEADER_FIELDS = (
    "External ID",
    "Subsidiary",
    "Currency",
    "Exchange Rate",
    "Date",
    "Posting Period",
    "Memo",
)
# The line memo needs its own column name because the header has a Memo too. Map it to the
# line's Memo field in the import's field mapping.
LINE_FIELDS = (
    "Account",
    "Debit",
    "Credit",
    "Line Memo",
    "Name",
    "Department",
    "Class",
    "Location",
    "Tax Code",
)
COLUMNS = HEADER_FIELDS + LINE_FIELDS
# NetSuite's default date preference (MM/DD/YYYY) and period names such as "Mar 2026".
DEFAULT_DATE_FORMAT = "%m/%d/%Y"
PERIOD_NAME_FORMAT = "%b %Y"


def render_journal_csv(journal: Journal, date_format: str = DEFAULT_DATE_FORMAT) -> str:
    """Return the import CSV of one journal, header row first."""
    year, month = (int(part) for part in journal.posting_period.split("-"))
    period_start = date(year, month, 1)

    header = {
        "External ID": journal.external_id,
        "Subsidiary": str(journal.subsidiary_id),
        "Currency": journal.currency,
        "Exchange Rate": canonical_amount(journal.exchange_rate),
        "Date": journal.date.strftime(date_format),
        "Posting Period": period_start.strftime(PERIOD_NAME_FORMAT),
        "Memo": journal.memo,
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for line in journal.lines:
        writer.writerow(
            {
                **header,
                "Account": line.account,
                "Debit": canonical_amount(line.debit) if line.debit else "",
                "Credit": canonical_amount(line.credit) if line.credit else "",
                "Line Memo": line.memo,
                "Name": line.name,
                "Department": line.department,
                "Class": line.class_,
                "Location": line.location,
                "Tax Code": line.tax_code,
            }
        )
    return buffer.getvalue()


class NetSuiteCsvAdapter:
    """Writes each journal to `<drop_folder>/<idempotency key>.csv`."""

    def __init__(self, drop_folder: Path, date_format: str = DEFAULT_DATE_FORMAT) -> None:
        self.drop_folder = Path(drop_folder)
        self.date_format = date_format

    def path_for(self, key: str) -> Path:
        """Return the file a journal with idempotency key `key` is written to."""
        if not key or "/" in key or key.startswith("."):
            raise PermanentErpError(f"Invalid idempotency key {key!r} for a file name.")
        return self.drop_folder / f"{key}.csv"

    def post(self, journal: Journal) -> ErpResult:
        """Write the journal's file unless one exists under its key.

        A file under the same key with other content raises PermanentErpError, because
        the key was reused for a different journal. An OS error such as a full disk or a
        missing mount raises TransientErpError.
        """
        content = render_journal_csv(journal, self.date_format)
        target = self.path_for(journal.external_id)

        try:
            self.drop_folder.mkdir(parents=True, exist_ok=True)
            created = _create_exclusively(target, content)
        except OSError as error:
            raise TransientErpError(f"Failed to write {target}: {error}") from error

        if not created:
            with target.open(encoding="utf-8", newline="") as handle:
                existing = handle.read()
            if existing != content:
                raise PermanentErpError(
                    f"Idempotency key {journal.external_id} already names {target} with "
                    "different content; the journal was not written."
                )
            logger.info("Journal %s already in %s; not written again", journal.external_id, target)
        else:
            logger.info("Wrote journal %s to %s", journal.external_id, target)

        return ErpResult(
            erp_journal_id=f"csv:{target.name}",
            idempotency_key=journal.external_id,
            replayed=not created,
            message=str(target),
        )

    def close(self) -> None:
        """Nothing to release: each post opens and closes its own file."""


def _create_exclusively(target: Path, content: str) -> bool:
    """Write `content` to `target` atomically; return False when `target` already exists.

    The content goes to a temporary file in the same folder first and is then hard-linked
    to its final name, which fails when that name exists, so two writers never both win.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)
