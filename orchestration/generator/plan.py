"""Placement of each injected exception and each special normal record.

Every injected exception gets a customer of its own, so its one reason code is the
only one its records can raise. Normal special records (voids, rule matches,
time-zone edges and so on) go to the remaining customers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from orchestration.generator.seeds import Seeds
from orchestration.reason_codes import REASON_CODES

# Reasons injected on a customer of their own, twice each (variant 0 and 1).
CUSTOMER_REASONS = tuple(
    code
    for code in REASON_CODES
    if code
    not in ("PRODUCT_UNMAPPED", "JOURNAL_WITHOUT_SOURCE", "PAYOUT_MISMATCH", "AR_TIEOUT_DIFFERENCE")
)
# Reasons whose target is one monthly invoice of the customer's first subscription.
INVOICE_REASONS = frozenset(
    {
        "INVOICE_NOT_POSTED",
        "AMOUNT_MISMATCH",
        "FX_DIFFERENCE",
        "PERIOD_MISMATCH",
        "DIMENSION_MISMATCH",
        "DUPLICATE_POSTING",
        "VOID_NOT_REVERSED",
        "PAYMENT_NOT_POSTED",
        "PAYMENT_AMOUNT_MISMATCH",
        "USAGE_NOT_BILLED",
        "RESTATED_AFTER_SIGNOFF",
    }
)

# Normal records that must exist at every scale, placed on customers without an
# injected exception.
TZ_EDGE = "TZ_EDGE"
VOID_VOIDED = "VOID_VOIDED"
VOID_REVERSED = "VOID_REVERSED"
VOID_UNPOSTED = "VOID_UNPOSTED"
RULE_MATCH = "RULE_MATCH"
ONE_TO_MANY = "ONE_TO_MANY"
PARTIAL_PAYMENT = "PARTIAL_PAYMENT"
AMENDMENT_APPLIED = "AMENDMENT_APPLIED"
CREDIT_NOTE = "CREDIT_NOTE"
FOREIGN_CURRENCY = "FOREIGN_CURRENCY"
UNMAPPED_BILLING = "UNMAPPED_BILLING"
STRAY_GL = "STRAY_GL"  # carries the JOURNAL_WITHOUT_SOURCE transactions
NORMAL_ROLES = (
    VOID_VOIDED,
    VOID_REVERSED,
    VOID_UNPOSTED,
    RULE_MATCH,
    ONE_TO_MANY,
    PARTIAL_PAYMENT,
    AMENDMENT_APPLIED,
    CREDIT_NOTE,
    FOREIGN_CURRENCY,
)
VOID_ROLES = (VOID_VOIDED, VOID_REVERSED, VOID_UNPOSTED)

# Amounts of the AR_TIEOUT_DIFFERENCE journals, which credit AR.
AR_ADJUSTMENTS = (Decimal("-250.00"), Decimal("-175.40"))
MIN_MONTHS = 4


@dataclass(frozen=True)
class Role:
    """One role of a customer: a reason code or a normal-record kind."""

    name: str
    variant: int = 0
    month: int | None = None  # index of the targeted period


@dataclass(frozen=True)
class ArAdjustment:
    subsidiary_id: int
    month: int
    currency: str
    amount: Decimal


@dataclass
class Plan:
    """Roles per customer and the company-wide choices."""

    roles: dict[tuple[int, int], list[Role]] = field(default_factory=dict)
    # (subsidiary id, period index, currency): invoices covered by one summary journal.
    summary_sets: frozenset[tuple[int, int, str]] = frozenset()
    ar_adjustments: tuple[ArAdjustment, ...] = ()
    restated_subsidiary: int = 0

    def roles_of(self, subsidiary_id: int, index: int) -> list[Role]:
        return self.roles.get((subsidiary_id, index), [])

    def is_dedicated(self, subsidiary_id: int, index: int) -> bool:
        return any(role.name in REASON_CODES for role in self.roles_of(subsidiary_id, index))


def minimum_customers(seeds: Seeds) -> int:
    """Return the smallest customers-per-subsidiary the plan fits in."""
    dedicated = 2 * len(CUSTOMER_REASONS)
    normal = len(NORMAL_ROLES) + 4
    return -(-(dedicated + normal) // len(seeds.subsidiaries)) + 1


def build_plan(seeds: Seeds, seed: int, months: int, customers_per_subsidiary: int) -> Plan:
    """Assign every injected exception and normal special record to a customer."""
    if months < MIN_MONTHS:
        raise ValueError(f"months must be at least {MIN_MONTHS}, got {months}")
    needed = minimum_customers(seeds)
    if customers_per_subsidiary < needed:
        raise ValueError(
            f"customers_per_subsidiary must be at least {needed} to hold every injected "
            f"exception, got {customers_per_subsidiary}"
        )
    rng = random.Random(f"{seed}:plan")
    subsidiaries = [subsidiary.id for subsidiary in seeds.subsidiaries]
    first, *others = seeds.subsidiaries
    summary_sets = frozenset(
        (subsidiary.id, 1 + position, subsidiary.currency.code)
        for position, subsidiary in enumerate(others[:2])
    )
    plan = Plan(summary_sets=summary_sets, restated_subsidiary=first.id)
    plan.ar_adjustments = tuple(
        ArAdjustment(subsidiary.id, months - 2, subsidiary.currency.code, amount)
        for subsidiary, amount in zip(seeds.subsidiaries[:2], AR_ADJUSTMENTS, strict=False)
    )

    # Index 0 of each subsidiary is a parent account with a time-zone edge invoice.
    free = [
        (sub_id, index) for index in range(1, customers_per_subsidiary) for sub_id in subsidiaries
    ]
    rng.shuffle(free)
    for sub_id in subsidiaries:
        plan.roles[(sub_id, 0)] = [Role(TZ_EDGE)]

    for code in CUSTOMER_REASONS:
        for variant in range(2):
            customer = _take(free, _allowed_subsidiaries(code, seeds, plan))
            plan.roles[customer] = [
                Role(code, variant, _target_month(code, customer, plan, months, rng))
            ]

    normal_roles = [Role(name) for name in NORMAL_ROLES]
    normal_roles += [Role(UNMAPPED_BILLING, 0), Role(UNMAPPED_BILLING, 1)]
    normal_roles += [Role(STRAY_GL, 0), Role(STRAY_GL, 1)]
    for position, role in enumerate(normal_roles):
        # Cycle over the customers left, so a tiny scale stacks roles on one customer.
        customer = free[position % len(free)]
        plan.roles.setdefault(customer, []).append(role)
    return plan


def _allowed_subsidiaries(code: str, seeds: Seeds, plan: Plan) -> set[int]:
    if code == "RESTATED_AFTER_SIGNOFF":
        return {plan.restated_subsidiary}
    if code == "FX_DIFFERENCE":
        # A customer billed in another currency than the subsidiary's.
        return {subsidiary.id for subsidiary in seeds.subsidiaries[1:]}
    return {subsidiary.id for subsidiary in seeds.subsidiaries}


def _take(free: list[tuple[int, int]], subsidiaries: set[int]) -> tuple[int, int]:
    for position, customer in enumerate(free):
        if customer[0] in subsidiaries:
            return free.pop(position)
    raise ValueError(f"no free customer left in subsidiaries {sorted(subsidiaries)}")


def _target_month(
    code: str, customer: tuple[int, int], plan: Plan, months: int, rng: random.Random
) -> int | None:
    if code not in INVOICE_REASONS:
        return None
    if code == "RESTATED_AFTER_SIGNOFF":
        return 0
    if code == "INVOICE_NOT_POSTED":
        # Finance finds unposted documents while the month just ended is still open,
        # so the catch-up journal can post into that month.
        return months - 1
    # Leave the first month to onboarding and the last one for payments to settle,
    # and keep clear of the months that a summary journal covers for this subsidiary.
    blocked = {month for sub_id, month, _ in plan.summary_sets if sub_id == customer[0]}
    candidates = [month for month in range(1, months - 1) if month not in blocked]
    if code == "USAGE_NOT_BILLED":
        # The usage month. The next month's invoice omits it.
        candidates = [month for month in range(0, months - 2) if month + 1 not in blocked]
    return rng.choice(candidates)
