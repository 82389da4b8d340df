"""Journals as the ERP adapters see them, and the hashes that identify their content.

The content hash covers everything that ends up in the ERP: header dimensions, accounts,
amounts and the source documents of each line. Approval binds to it, and the idempotency
key sent to the ERP is derived from it together with the batch id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Prefix of every idempotency key, so a NetSuite externalid written by tieout is easy to
# tell apart from a billing document id (in_, cn_, ch_ prefixes).
IDEMPOTENCY_KEY_PREFIX = "tieout-"


@dataclass(frozen=True)
class JournalLine:
    """One debit or credit line of a journal, amounts in the transaction currency."""

    account: str
    debit: Decimal
    credit: Decimal
    memo: str = ""
    name: str = ""
    department: str = ""
    class_: str = ""
    location: str = ""
    tax_code: str = ""
    source_documents: tuple[str, ...] = ()
    correlation_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Journal:
    """A balanced journal entry ready for an ERP adapter.

    `external_id` is the idempotency key: the ERP stores it as the transaction's externalid.
    """

    external_id: str
    subsidiary_id: int
    currency: str
    exchange_rate: Decimal
    date: date
    posting_period: str  # YYYY-MM
    memo: str
    lines: tuple[JournalLine, ...] = field(default_factory=tuple)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))

    @property
    def source_documents(self) -> tuple[str, ...]:
        """Every billing document the journal covers, each once, in first-seen order."""
        return tuple(dict.fromkeys(doc for line in self.lines for doc in line.source_documents))


def canonical_amount(value: Decimal | int | float | str) -> str:
    """Return `value` as a plain decimal string without trailing zeros, e.g. '120.5'."""
    amount = Decimal(str(value))
    if amount == 0:
        return "0"
    text = format(amount.normalize(), "f")
    return text


def content_hash(
    *,
    subsidiary_id: int,
    period: str,
    currency: str,
    exchange_rate: Decimal,
    journal_date: date,
    lines: Iterable[JournalLine],
) -> str:
    """Return the SHA-256 hex digest of a journal's content, independent of line order.

    Amounts are hashed in normalized form, so 120.50 and 120.5 hash alike.
    """
    line_items = sorted(
        [
            line.account,
            line.class_,
            line.tax_code,
            canonical_amount(line.debit),
            canonical_amount(line.credit),
            line.memo,
            sorted(line.source_documents),
            sorted(line.correlation_ids),
        ]
        for line in lines
    )
    payload = {
        "subsidiary_id": int(subsidiary_id),
        "period": period,
        "currency": currency,
        "exchange_rate": canonical_amount(exchange_rate),
        "date": journal_date.isoformat(),
        "lines": line_items,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def idempotency_key(batch_id: str, batch_content_hash: str) -> str:
    """Return the key the ERP deduplicates on: one per batch and content.

    A batch whose content changes gets a new key, and so does another batch with the same
    content, but a retry, a restart or a second run of the same batch reuses the key.
    """
    digest = hashlib.sha256(f"{batch_id}\n{batch_content_hash}".encode()).hexdigest()
    return IDEMPOTENCY_KEY_PREFIX + digest[:32]


def journal_is_balanced(lines: Sequence[JournalLine]) -> bool:
    """Whether the debits equal the credits, with at least one line on each side."""
    debit = sum((line.debit for line in lines), Decimal(0))
    credit = sum((line.credit for line in lines), Decimal(0))
    return debit == credit and debit > 0
