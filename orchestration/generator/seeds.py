"""Read the dbt seeds that describe the company, so the generator and the dbt
models share one configuration."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency with its NetSuite internal id and minor-unit exponent."""

    code: str
    netsuite_id: int
    exponent: int
    name: str

    @cached_property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.exponent)

    def round(self, amount: Decimal) -> Decimal:
        """Round to the currency's minor unit, half away from zero."""
        return amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def to_minor(self, amount: Decimal) -> int:
        return int(self.round(amount).scaleb(self.exponent))

    def to_major(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.exponent).quantize(self.quantum)


@dataclass(frozen=True)
class Subsidiary:
    """A NetSuite subsidiary: the legal entity that bills a customer."""

    id: int
    name: str
    country: str
    currency: Currency
    time_zone: ZoneInfo


@dataclass(frozen=True)
class GlAccount:
    """An account from gl_accounts.csv. `internal_id` is its NetSuite internal id."""

    internal_id: int
    number: str
    name: str
    type: str
    role: str


@dataclass(frozen=True)
class Product:
    """A Stripe product with its mapping. Unmapped products have no family or account."""

    stripe_id: str
    name: str
    family: str | None
    revenue_account: str | None
    salesforce_code: str | None


@dataclass(frozen=True)
class Seeds:
    """Every seed the generator reads."""

    currencies: dict[str, Currency]
    subsidiaries: tuple[Subsidiary, ...]
    accounts: dict[str, GlAccount]
    products: tuple[Product, ...]
    tax_codes: dict[tuple[int, str], str]
    absolute_tolerances: dict[str, Decimal]
    date_windows: dict[str, int]

    def account_for_role(self, role: str) -> GlAccount:
        for account in self.accounts.values():
            if account.role == role:
                return account
        raise KeyError(f"gl_accounts.csv has no account with role {role!r}")

    def product(self, stripe_id: str) -> Product:
        for product in self.products:
            if product.stripe_id == stripe_id:
                return product
        raise KeyError(f"product_mapping.csv has no product {stripe_id!r}")

    def product_by_code(self, code: str) -> Product:
        for product in self.products:
            if product.salesforce_code == code:
                return product
        raise KeyError(f"product_mapping.csv has no product with code {code!r}")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_seeds(seeds_dir: Path = DEFAULT_SEEDS_DIR) -> Seeds:
    """Read the seed CSV files from `seeds_dir`."""
    currencies = {
        row["currency_code"]: Currency(
            row["currency_code"],
            int(row["netsuite_currency_id"]),
            int(row["minor_unit"]),
            row["currency_name"],
        )
        for row in _rows(seeds_dir / "currencies.csv")
    }
    subsidiaries = tuple(
        Subsidiary(
            int(row["subsidiary_id"]),
            row["subsidiary_name"],
            row["country"],
            currencies[row["functional_currency"]],
            ZoneInfo(row["time_zone"]),
        )
        for row in _rows(seeds_dir / "subsidiaries.csv")
    )
    accounts = {
        row["account_number"]: GlAccount(
            position,
            row["account_number"],
            row["account_name"],
            row["account_type"],
            row["account_role"],
        )
        for position, row in enumerate(_rows(seeds_dir / "gl_accounts.csv"), start=1)
    }
    products = tuple(
        Product(
            row["stripe_product_id"],
            row["product_name"],
            row["product_family"],
            row["revenue_account_number"],
            row["salesforce_product_code"],
        )
        for row in _rows(seeds_dir / "product_mapping.csv")
    )
    tax_codes = {
        (int(row["subsidiary_id"]), row["product_family"]): row["tax_code"]
        for row in _rows(seeds_dir / "tax_codes.csv")
    }
    tolerances = {
        row["currency_code"]: Decimal(row["absolute_tolerance"])
        for row in _rows(seeds_dir / "amount_tolerances.csv")
    }
    windows = {
        row["pair"]: int(row["date_window_days"]) for row in _rows(seeds_dir / "match_windows.csv")
    }
    return Seeds(currencies, subsidiaries, accounts, products, tax_codes, tolerances, windows)
