"""Scale profiles and the company-wide state every customer is generated from."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from orchestration.generator.calendar import ExchangeRates, Period, add_months, local_moment
from orchestration.generator.catalog import Catalog
from orchestration.generator.plan import Plan
from orchestration.generator.seeds import Seeds


@dataclass(frozen=True)
class ScaleProfile:
    """How many customers, and how busy each one is."""

    customers_per_subsidiary: int
    min_subscriptions: int
    max_subscriptions: int
    # Chance that an active subscription is canceled at the end of a month.
    monthly_churn: float
    # Share of customers billed in a currency other than the subsidiary's.
    foreign_share: float
    # Share of subscriptions that start in the first generated month.
    first_month_share: float


SCALES = {
    "demo": ScaleProfile(20, 3, 7, 0.02, 0.15, 0.5),
    # About 200,000 customers. Over 24 months each bills about six invoices.
    "large": ScaleProfile(66_667, 1, 1, 0.17, 0.1, 0.05),
}


@dataclass
class World:
    """Inputs shared by every customer. Nothing here grows with the customer count."""

    seeds: Seeds
    catalog: Catalog
    periods: tuple[Period, ...]
    rates: ExchangeRates
    plan: Plan
    seed: int
    snapshot_at: datetime
    profile: ScaleProfile
    customers_per_subsidiary: int
    salesforce_salt: int

    @property
    def months(self) -> int:
        return len(self.periods)

    def month_first_day(self, month: int) -> date:
        """Return the first day of month `month`, counted from the oldest period.
        `month` may equal the number of months (the month after the last period)."""
        return add_months(self.periods[0].start, month)

    def month_start(self, month: int, zone: ZoneInfo) -> datetime:
        return local_moment(zone, self.month_first_day(month), 0)

    def customer_rng(self, subsidiary_id: int, index: int) -> random.Random:
        return random.Random(f"{self.seed}:customer:{subsidiary_id}:{index}")
