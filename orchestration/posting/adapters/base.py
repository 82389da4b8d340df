"""The interface every ERP adapter implements, and how its errors are classified."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orchestration.posting.journal import Journal


@dataclass(frozen=True)
class ErpResult:
    """The ERP's response to a posted journal.

    `replayed` is True when the ERP already had a journal under this idempotency key and
    returned it instead of creating a second one.
    """

    erp_journal_id: str
    idempotency_key: str
    replayed: bool = False
    message: str = ""


class ErpError(Exception):
    """A journal was not posted."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class TransientErpError(ErpError):
    """A failure that may pass on retry: a timeout, a lost connection, a 5xx or a 429."""


class PermanentErpError(ErpError):
    """The ERP rejected the journal itself (validation, closed period, key reused with other
    content); retrying the same journal fails the same way."""


class ErpAdapter(Protocol):
    """Posts one journal to an ERP and returns its id there."""

    def post(self, journal: Journal) -> ErpResult:
        """Post `journal` under its external_id as idempotency key.

        Raises TransientErpError or PermanentErpError.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
