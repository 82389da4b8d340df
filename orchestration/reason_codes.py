"""The reason-code catalogue, read from the dbt seed that finance reviews.

`dbt_project/seeds/reason_codes.csv` lists every exception reason with its pair and
severity. The generator and the quality gates read it here instead of keeping copies.
"""

from __future__ import annotations

import csv

from orchestration.settings import PROJECT_ROOT

REASON_CODES_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "reason_codes.csv"


def read_reason_codes() -> tuple[str, ...]:
    """Return the reason codes in the seed's order, which is the catalogue's order."""
    with REASON_CODES_SEED.open(newline="", encoding="utf-8") as handle:
        return tuple(row["reason_code"] for row in csv.DictReader(handle))


REASON_CODES = read_reason_codes()
