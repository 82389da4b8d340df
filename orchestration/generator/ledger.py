"""General-ledger transactions as NetSuite exports them: one transaction row and
its lines, balanced in transaction and in functional currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from orchestration.generator.calendar import ExchangeRates, Period
from orchestration.generator.seeds import Currency, GlAccount, Subsidiary
from orchestration.generator.writers import Table

CUSTOMER_INVOICE = "CustInvc"
CUSTOMER_CREDIT = "CustCred"
CUSTOMER_PAYMENT = "CustPymt"
JOURNAL = "Journal"


@dataclass
class GlLine:
    """One transaction line. `amount` is signed in transaction currency, debit positive."""

    account: GlAccount
    amount: Decimal
    entity: int | None = None
    item: str = ""
    family: str = ""
    tax_code: str = ""
    memo: str = ""


@dataclass
class GlTransaction:
    """A NetSuite transaction before it gets its internal id."""

    type: str
    tranid: str
    trandate: date
    period: Period
    subsidiary: Subsidiary
    currency: Currency
    entity: int | None
    external_id: str
    memo: str
    status: str
    created: datetime
    lines: list[GlLine] = field(default_factory=list)
    # Rate into the functional currency. None uses the period's consolidated average.
    rate: Decimal | None = None
    voided: bool = False
    reversal: int | None = None


def netsuite_bool(value: bool) -> str:
    return "T" if value else "F"


def netsuite_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def functional_amounts(
    amounts: list[Decimal], rate: Decimal, functional: Currency
) -> list[Decimal]:
    """Convert signed line amounts at `rate`, rounding each line and putting the
    remainder on the last line so the converted lines still sum to zero."""
    converted = [functional.round(amount * rate) for amount in amounts]
    if converted:
        converted[-1] -= sum(converted)
    return converted


def _split(amount: Decimal, currency: Currency) -> tuple[str, str]:
    if amount > 0:
        return str(currency.round(amount)), ""
    if amount < 0:
        return "", str(currency.round(-amount))
    return "", ""


class Ledger:
    """Assigns internal ids and writes transactions and their lines."""

    def __init__(self, transactions: Table, lines: Table, rates: ExchangeRates) -> None:
        self._transactions = transactions
        self._lines = lines
        self._rates = rates
        self._next_id = 1

    def reserve_id(self) -> int:
        internal_id = self._next_id
        self._next_id += 1
        return internal_id

    def rate_for(self, transaction: GlTransaction) -> Decimal:
        if transaction.rate is not None:
            return transaction.rate
        return self._rates.average(
            transaction.period, transaction.currency.code, transaction.subsidiary.currency.code
        )

    def post(self, transaction: GlTransaction, internal_id: int | None = None) -> int:
        """Write a transaction and its lines, and return its internal id."""
        amounts = [line.amount for line in transaction.lines]
        if sum(amounts) != 0:
            raise ValueError(
                f"transaction {transaction.tranid} is unbalanced by {sum(amounts)} "
                f"{transaction.currency.code}"
            )
        if internal_id is None:
            internal_id = self.reserve_id()
        rate = self.rate_for(transaction)
        functional = transaction.subsidiary.currency
        if transaction.voided:
            amounts = [Decimal(0)] * len(amounts)
        converted = functional_amounts(amounts, rate, functional)
        total = sum((amount for amount in amounts if amount > 0), Decimal(0))

        self._transactions.write(
            {
                "id": internal_id,
                "tranid": transaction.tranid,
                "type": transaction.type,
                "trandate": transaction.trandate.isoformat(),
                "postingperiod": transaction.period.netsuite_id,
                "subsidiary": transaction.subsidiary.id,
                "entity": transaction.entity,
                "currency": transaction.currency.netsuite_id,
                "exchangerate": rate,
                "foreigntotal": transaction.currency.round(total),
                "externalid": transaction.external_id,
                "memo": transaction.memo,
                "status": transaction.status,
                "voided": netsuite_bool(transaction.voided),
                "reversal": transaction.reversal,
                "createddate": netsuite_timestamp(transaction.created),
                "lastmodifieddate": netsuite_timestamp(transaction.created),
            }
        )
        for line_id, (line, amount, functional_amount) in enumerate(
            zip(transaction.lines, amounts, converted, strict=True)
        ):
            debit_foreign, credit_foreign = _split(amount, transaction.currency)
            debit, credit = _split(functional_amount, functional)
            self._lines.write(
                {
                    "transaction": internal_id,
                    "id": line_id,
                    "mainline": netsuite_bool(line_id == 0),
                    "subsidiary": transaction.subsidiary.id,
                    "account": line.account.internal_id,
                    "item": line.item,
                    "class": line.family,
                    "taxcode": line.tax_code,
                    "entity": line.entity,
                    "memo": line.memo,
                    "debitforeignamount": debit_foreign,
                    "creditforeignamount": credit_foreign,
                    "debit": debit,
                    "credit": credit,
                }
            )
        return internal_id
