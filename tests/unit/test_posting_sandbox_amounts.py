"""Functional-currency amounts of sandbox journals."""

from datetime import date
from decimal import Decimal

from orchestration.posting.sandbox.journals import (
    JournalIn,
    JournalLineIn,
    _functional_amounts,
    request_hash,
)


def _journal(rate: str, lines: list[tuple[str, str]]) -> JournalIn:
    return JournalIn(
        subsidiary=2,
        currency="EUR",
        exchange_rate=Decimal(rate),
        date=date(2026, 3, 31),
        posting_period="2026-03",
        lines=[
            JournalLineIn(account="1200", debit=Decimal(debit), credit=Decimal(credit))
            for debit, credit in lines
        ],
    )


def test_functional_amounts_stay_balanced():
    journal = _journal("0.8533", [("10.01", "0"), ("0", "3.33"), ("0", "3.34"), ("0", "3.34")])

    amounts = _functional_amounts(journal, precision=2)

    assert sum(debit for debit, _ in amounts) == sum(credit for _, credit in amounts)
    assert amounts[0] == (Decimal("8.54"), Decimal("0.00"))


def test_functional_amounts_zero_precision():
    journal = _journal("151.237", [("1.00", "0"), ("0", "0.33"), ("0", "0.67")])

    amounts = _functional_amounts(journal, precision=0)

    assert sum(debit for debit, _ in amounts) == sum(credit for _, credit in amounts)
    assert amounts[0][0] == Decimal("151")


def test_request_hash_ignores_amount_format():
    padded = _journal("1.0", [("10.50", "0"), ("0", "10.50")])
    plain = _journal("1", [("10.5", "0"), ("0", "10.5")])

    assert request_hash(padded) == request_hash(plain)
