"""Content hashes, idempotency keys and journal helpers."""

from datetime import date
from decimal import Decimal

from orchestration.posting.dispatch import run_key
from orchestration.posting.journal import (
    IDEMPOTENCY_KEY_PREFIX,
    JournalLine,
    canonical_amount,
    content_hash,
    idempotency_key,
    journal_is_balanced,
)
from orchestration.posting.poster import RetryPolicy, document_of

RECEIVABLE = JournalLine("1200", Decimal("120.50"), Decimal(0), source_documents=("in_1",))
REVENUE = JournalLine("4000", Decimal(0), Decimal("120.50"), class_="Subscription")


def _hash(lines, **overrides):
    fields = {
        "subsidiary_id": 1,
        "period": "2026-03",
        "currency": "USD",
        "exchange_rate": Decimal(1),
        "journal_date": date(2026, 3, 31),
        "lines": lines,
    }
    fields.update(overrides)
    return content_hash(**fields)


def test_content_hash_ignores_line_order():
    assert _hash([RECEIVABLE, REVENUE]) == _hash([REVENUE, RECEIVABLE])


def test_content_hash_normalizes_amounts():
    padded = JournalLine("1200", Decimal("120.500"), Decimal("0.00"), source_documents=("in_1",))
    assert _hash([padded, REVENUE]) == _hash([RECEIVABLE, REVENUE])


def test_content_hash_changes_with_content():
    base = _hash([RECEIVABLE, REVENUE])
    other_amount = JournalLine("1200", Decimal("120.51"), Decimal(0), source_documents=("in_1",))
    other_document = JournalLine("1200", Decimal("120.50"), Decimal(0), source_documents=("in_2",))

    assert _hash([other_amount, REVENUE]) != base
    assert _hash([other_document, REVENUE]) != base
    assert _hash([RECEIVABLE, REVENUE], period="2026-04") != base
    assert _hash([RECEIVABLE, REVENUE], exchange_rate=Decimal("1.1")) != base


def test_idempotency_key_is_stable_per_batch():
    digest = _hash([RECEIVABLE, REVENUE])

    key = idempotency_key("JP-1-2026-03-USD.1", digest)

    assert key == idempotency_key("JP-1-2026-03-USD.1", digest)
    assert key.startswith(IDEMPOTENCY_KEY_PREFIX)
    assert key != idempotency_key("JP-1-2026-03-USD.2", digest)
    assert key != idempotency_key("JP-1-2026-03-USD.1", "0" * 64)


def test_canonical_amount_formats():
    cases = {
        "120.50": "120.5",
        "0.00": "0",
        "1000": "1000",
        "1E+3": "1000",
        "-3.100": "-3.1",
    }
    for raw, expected in cases.items():
        assert canonical_amount(Decimal(raw)) == expected, raw


def test_journal_is_balanced_cases():
    assert journal_is_balanced([RECEIVABLE, REVENUE])
    assert not journal_is_balanced([RECEIVABLE])
    assert not journal_is_balanced([])


def test_retry_policy_backs_off_exponentially():
    policy = RetryPolicy(max_attempts=6, base_delay_seconds=0.5, max_delay_seconds=3)

    delays = [policy.delay(attempt) for attempt in range(1, 6)]

    assert delays == [0.5, 1.0, 2.0, 3, 3]


def test_run_key_includes_requeue_count():
    assert run_key("B.1", "abc") == "B.1:abc"
    assert run_key("B.1", "abc", 2) == "B.1:abc:requeue-2"


def test_document_of_reads_correlation_id():
    assert document_of("sf:800A|stripe:in_1") == "in_1"
    assert document_of("sf:|stripe:cn_9") == "cn_9"
    assert document_of("sf:800A") == ""
