"""In-memory records of one customer, built before they are written and dropped after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from orchestration.generator.catalog import Price
from orchestration.generator.seeds import Currency, Subsidiary

# How the GL records a Stripe document.
POSTED = "posted"  # one transaction with the document id as externalid
RULE_POSTED = "rule_posted"  # one transaction with an empty externalid
SUMMARIZED = "summarized"  # covered by a many-to-one summary journal
UNPOSTED = "unposted"
VOIDED_IN_GL = "voided_in_gl"
REVERSED_IN_GL = "reversed_in_gl"


@dataclass
class Customer:
    """One customer across the three systems."""

    subsidiary: Subsidiary
    index: int
    number: int
    currency: Currency
    name: str
    country: str
    salesforce_id: str
    stripe_id: str
    netsuite_id: int
    parent_salesforce_id: str | None
    parent_netsuite_id: int | None
    created: datetime
    invoice_prefix: str
    email: str


@dataclass
class Item:
    """A Stripe subscription item."""

    id: str
    price: Price
    quantity: int | None
    created: datetime


@dataclass
class Amendment:
    month: int
    effective: date
    new_seats: int
    applied: bool


@dataclass
class Contract:
    """A Salesforce contract with the opportunities behind it."""

    id: str
    number: str
    opportunity_id: str
    start: date
    seats: int
    monthly_amount: Decimal
    created: datetime
    activated: datetime
    amendment: Amendment | None = None
    amendment_opportunity_id: str | None = None


@dataclass
class Subscription:
    """A Stripe subscription and the plan it follows over the generated months."""

    id: str
    position: int
    start_month: int
    end_month: int  # Exclusive. It equals the number of months while the subscription is active.
    start: datetime
    created: datetime
    seats: int
    metered: bool
    platform: Item
    seat_item: Item
    usage_item: Item | None
    contract: Contract | None
    contract_reference: str | None
    replaced_seat_item: Item | None = None
    canceled_at: datetime | None = None
    ended_at: datetime | None = None

    def items(self) -> list[Item]:
        items = [self.platform, self.seat_item]
        if self.usage_item is not None:
            items.append(self.usage_item)
        return items

    def monthly_value_minor(self) -> int:
        return sum(
            item.price.unit_amount * (item.quantity or 0)
            for item in self.items()
            if not item.price.metered
        )


@dataclass
class Line:
    """A Stripe invoice line."""

    id: str
    price: Price
    quantity: int
    amount: int
    period_start: datetime
    period_end: datetime
    description: str
    subscription: Subscription | None = None
    item: Item | None = None
    proration: bool = False
    invoice_item_id: str | None = None


@dataclass
class UsageSummary:
    id: str
    item: Item
    period_start: datetime
    period_end: datetime
    total_usage: int
    invoice: Invoice | None = None


@dataclass
class Invoice:
    """A Stripe invoice and how the GL records it."""

    id: str
    number: str
    customer: Customer
    currency: Currency
    created: datetime
    finalized: datetime
    period_start: datetime
    period_end: datetime
    billing_reason: str
    lines: list[Line]
    subscription: Subscription | None = None
    month: int | None = None  # set on the monthly invoices of a subscription
    voided_at: datetime | None = None
    paid_at: datetime | None = None
    amount_paid: int = 0
    credited: int = 0
    posting: str = POSTED
    protected: bool = False  # target of an injection: no random features

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def status(self) -> str:
        if self.voided_at is not None:
            return "void"
        if self.paid_at is not None:
            return "paid"
        return "open"


@dataclass
class InvoicePayment:
    id: str
    invoice: Invoice
    amount: int
    created: datetime


@dataclass
class Refund:
    id: str
    amount: int
    created: datetime
    balance_transaction: str
    credit_note: CreditNote | None = None


@dataclass
class Charge:
    """A Stripe charge and the invoice payments it made."""

    id: str
    customer: Customer
    currency: Currency
    amount: int
    created: datetime
    payment_intent: str
    balance_transaction: str
    payments: list[InvoicePayment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    posting: str = POSTED
    gl_amount_delta: int = 0  # minor units added on the GL side (PAYMENT_AMOUNT_MISMATCH)

    @property
    def refunded(self) -> int:
        return sum(refund.amount for refund in self.refunds)


@dataclass
class CreditNoteLine:
    id: str
    invoice_line: Line
    amount: int


@dataclass
class CreditNote:
    id: str
    number: str
    invoice: Invoice
    created: datetime
    lines: list[CreditNoteLine]
    reason: str
    refund: Refund | None = None
    posting: str = POSTED

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class AnswerRow:
    """One row of answer_key.csv."""

    source_system: str
    object: str
    source_id: str
    reason_code: str
    expected_difference: str


@dataclass
class CustomerRecords:
    """Everything generated for one customer, in the order it is written."""

    customer: Customer
    contracts: list[Contract] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    usage: list[UsageSummary] = field(default_factory=list)
    answers: list[AnswerRow] = field(default_factory=list)
    # GL-side injections keyed by invoice id: (mode, variant).
    gl_injections: dict[str, tuple[str, int]] = field(default_factory=dict)
    drift: str | None = None  # "netsuite_name" or "stripe_country"
    open_opportunity: bool = False
