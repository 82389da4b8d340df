"""Company names and countries for generated customers."""

from __future__ import annotations

import random

_FIRST = (
    "Acme",
    "Northwind",
    "Bluefin",
    "Cobalt",
    "Larch",
    "Meridian",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Umbra",
    "Vantage",
    "Willow",
    "Harbor",
    "Granite",
    "Falcon",
    "Ember",
    "Delta",
    "Crescent",
    "Birch",
    "Aurora",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchid",
    "Polar",
    "Quill",
    "Sable",
    "Thistle",
)
_SECOND = (
    "Analytics",
    "Logistics",
    "Foods",
    "Health",
    "Robotics",
    "Media",
    "Energy",
    "Retail",
    "Systems",
    "Labs",
    "Capital",
    "Freight",
    "Studios",
    "Networks",
    "Outdoor",
    "Biotech",
)
LEGAL_SUFFIXES = {
    "US": ("Inc.", "LLC", "Corp."),
    "CA": ("Inc.", "Ltd."),
    "GB": ("Ltd", "plc", "LLP"),
    "IE": ("Ltd", "DAC"),
    "DE": ("GmbH", "AG", "KG"),
    "AT": ("GmbH",),
    "NL": ("B.V.",),
    "FR": ("SAS", "SA"),
}
# Long forms that a second system may hold instead of the suffix (master-data drift).
LONG_SUFFIXES = {
    "Inc.": "Incorporated",
    "LLC": "L.L.C.",
    "Corp.": "Corporation",
    "Ltd.": "Limited",
    "Ltd": "Limited",
    "plc": "Public Limited Company",
    "LLP": "L.L.P.",
    "DAC": "Designated Activity Company",
    "GmbH": "G.m.b.H.",
    "AG": "Aktiengesellschaft",
    "KG": "Kommanditgesellschaft",
    "B.V.": "BV",
    "SAS": "S.A.S.",
    "SA": "S.A.",
}


def company_name(rng: random.Random, country: str, number: int) -> str:
    """Draw a company name. `number` keeps names unique at any scale."""
    suffix = rng.choice(LEGAL_SUFFIXES.get(country, ("Ltd",)))
    return f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {number:05d} {suffix}"


def drifted_name(name: str) -> str:
    """Return the same company with its legal suffix spelled out."""
    stem, _, suffix = name.rpartition(" ")
    return f"{stem} {LONG_SUFFIXES.get(suffix, suffix + ' Group')}"
