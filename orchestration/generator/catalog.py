"""Products and prices: the mapped products of product_mapping.csv plus two
Stripe products that the mapping does not know."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from orchestration.generator.ids import PRODUCT2_PREFIX, salesforce_id, stripe_id
from orchestration.generator.seeds import Currency, Product, Seeds

PLATFORM = "PLAT"
SEATS = "SEAT"
API_USAGE = "API"
ONBOARDING = "ONB"

# Products billed in Stripe that product_mapping.csv leaves out on purpose: every
# invoice line that bills one of them is a PRODUCT_UNMAPPED exception.
UNMAPPED_PRODUCTS = (
    Product("prod_TInsights0001", "Usage insights add-on (beta)", None, None, None),
    Product("prod_TSupportPrem1", "Premium support (legacy plan)", None, None, None),
)

# List prices in major units per billing currency, keyed by Salesforce product code
# (or Stripe product id for the unmapped products). Usage is priced per API call.
LIST_PRICES: dict[str, dict[str, str]] = {
    PLATFORM: {"USD": "500", "GBP": "400", "EUR": "460", "CAD": "680"},
    SEATS: {"USD": "25", "GBP": "20", "EUR": "23", "CAD": "34"},
    API_USAGE: {"USD": "0.05", "GBP": "0.04", "EUR": "0.05", "CAD": "0.07"},
    ONBOARDING: {"USD": "2000", "GBP": "1600", "EUR": "1850", "CAD": "2700"},
    UNMAPPED_PRODUCTS[0].stripe_id: {"USD": "300", "GBP": "240", "EUR": "280", "CAD": "400"},
    UNMAPPED_PRODUCTS[1].stripe_id: {"USD": "150", "GBP": "120", "EUR": "140", "CAD": "200"},
}
BILLING_CURRENCIES = ("USD", "GBP", "EUR", "CAD")

# Stripe Tax product tax codes: software as a service, and professional services.
STRIPE_TAX_CODES = {
    "Subscription": "txcd_10103001",
    "Usage": "txcd_10103001",
    "Services": "txcd_20030000",
}
CATALOG_CREATED = 1_700_000_000  # 2023-11-14T22:13:20Z, before any generated history.


@dataclass(frozen=True)
class Price:
    """A Stripe price of one product in one currency."""

    id: str
    product: Product
    currency: Currency
    unit_amount: int  # minor units
    recurring: bool
    metered: bool

    def to_stripe(self) -> dict:
        recurring = None
        if self.recurring:
            recurring = {
                "aggregate_usage": "sum" if self.metered else None,
                "interval": "month",
                "interval_count": 1,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "metered" if self.metered else "licensed",
            }
        return {
            "active": True,
            "billing_scheme": "per_unit",
            "created": CATALOG_CREATED,
            "currency": self.currency.code.lower(),
            "id": self.id,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "object": "price",
            "product": self.product.stripe_id,
            "recurring": recurring,
            "tax_behavior": "exclusive",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if self.recurring else "one_time",
            "unit_amount": self.unit_amount,
            "unit_amount_decimal": str(self.unit_amount),
        }


class Catalog:
    """Every product with its prices, with ids drawn from the seeded RNG."""

    def __init__(self, seeds: Seeds, seed: int) -> None:
        rng = random.Random(f"{seed}:catalog")
        self.products: tuple[Product, ...] = (*seeds.products, *UNMAPPED_PRODUCTS)
        self._prices: dict[tuple[str, str], Price] = {}
        for product in self.products:
            key = product.salesforce_code or product.stripe_id
            for code in BILLING_CURRENCIES:
                currency = seeds.currencies[code]
                self._prices[(product.stripe_id, code)] = Price(
                    stripe_id(rng, "price_"),
                    product,
                    currency,
                    currency.to_minor(Decimal(LIST_PRICES[key][code])),
                    recurring=product.family in ("Subscription", "Usage"),
                    metered=product.family == "Usage",
                )
        self.by_code = {p.salesforce_code: p for p in seeds.products if p.salesforce_code}

    def price(self, product: Product, currency: Currency) -> Price:
        return self._prices[(product.stripe_id, currency.code)]

    def prices(self) -> list[Price]:
        return list(self._prices.values())

    def product2_id(self, product: Product) -> str:
        position = self.products.index(product)
        return salesforce_id(PRODUCT2_PREFIX, 1000 + position)

    def product_rows(self) -> list[dict]:
        """Return product.jsonl objects."""
        rows = []
        for product in self.products:
            rows.append(
                {
                    "active": True,
                    "created": CATALOG_CREATED,
                    "default_price": self.price(product, self._first_currency()).id,
                    "description": None,
                    "id": product.stripe_id,
                    "images": [],
                    "livemode": False,
                    "marketing_features": [],
                    "metadata": {},
                    "name": product.name,
                    "object": "product",
                    "shippable": None,
                    "statement_descriptor": None,
                    "tax_code": STRIPE_TAX_CODES.get(product.family or "", "txcd_10103001"),
                    "type": "service",
                    "unit_label": "API call" if product.family == "Usage" else None,
                    "updated": CATALOG_CREATED,
                    "url": None,
                }
            )
        return rows

    def _first_currency(self) -> Currency:
        return next(iter(self._prices.values())).currency
