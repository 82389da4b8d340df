"""Limits of the raw gates, read from `expectations/thresholds.yml`, and the suite
parameters derived from them for one load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.quality.suites import (
    EARLIEST_DATE,
    EARLIEST_TIMESTAMP,
    LATEST_DATE,
    LATEST_TIMESTAMP,
    MIN_ROW_COUNT_RATIO,
    SNAPSHOT_AT,
)

THRESHOLDS_FILE = "thresholds.yml"
DEFAULT_MAX_ROW_COUNT_DROP = 0.5
DEFAULT_MAX_AGE_YEARS = 20
DEFAULT_MAX_FUTURE_YEARS = 10


@dataclass(frozen=True)
class Thresholds:
    """Limits of the raw gates. Shares are fractions between 0 and 1."""

    max_row_count_drop: float = DEFAULT_MAX_ROW_COUNT_DROP
    row_count_drop_overrides: dict[str, float] = field(default_factory=dict)
    max_age_years: int = DEFAULT_MAX_AGE_YEARS
    max_future_years: int = DEFAULT_MAX_FUTURE_YEARS

    def row_count_drop_for(self, table: str) -> float:
        """Return the maximum share of rows the object `table` may lose between two loads."""
        return self.row_count_drop_overrides.get(table, self.max_row_count_drop)


def load_thresholds(expectations_dir: Path) -> Thresholds:
    """Read `thresholds.yml` from `expectations_dir`; a missing file gives the defaults.

    Raises ValueError naming the file for an unknown key or a share outside [0, 1].
    """
    path = expectations_dir / THRESHOLDS_FILE
    if not path.exists():
        return Thresholds()

    values = yaml.safe_load(path.read_text()) or {}
    known = set(Thresholds.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"Invalid key(s) {unknown} in {path}: expected {sorted(known)}.")

    thresholds = Thresholds(**values)
    shares = {"max_row_count_drop": thresholds.max_row_count_drop}
    shares.update(thresholds.row_count_drop_overrides)
    for name, share in shares.items():
        if not 0 <= share <= 1:
            raise ValueError(f"Invalid share {name}={share} in {path}: expected 0 to 1.")
    return thresholds


def raw_parameters(
    thresholds: Thresholds, table: str, snapshot_at: dt.datetime
) -> dict[str, str | float]:
    """Return the suite parameters of the raw table `table` for a load taken at `snapshot_at`."""
    earliest = _shift_years(snapshot_at, -thresholds.max_age_years)
    latest = _shift_years(snapshot_at, thresholds.max_future_years)
    return {
        SNAPSHOT_AT: snapshot_at.isoformat(),
        EARLIEST_TIMESTAMP: earliest.isoformat(),
        LATEST_TIMESTAMP: latest.isoformat(),
        EARLIEST_DATE: earliest.date().isoformat(),
        LATEST_DATE: latest.date().isoformat(),
        MIN_ROW_COUNT_RATIO: round(1 - thresholds.row_count_drop_for(table), 4),
    }


def _shift_years(moment: dt.datetime, years: int) -> dt.datetime:
    # 29 February moves to 28 February in a year that has no leap day.
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)
