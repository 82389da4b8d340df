"""Business days and accounting periods, as plain date arithmetic.

A business day is a weekday, Monday to Friday.

NOTE: public holidays are not excluded, so the close runs one business day early in a
month whose first days include a holiday.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SATURDAY = 5


def is_business_day(day: date) -> bool:
    """Return whether `day` is a weekday."""
    return day.weekday() < SATURDAY


def business_day_of_month(day: date) -> int | None:
    """Return which business day of its month `day` is (1 for the first), or None on a weekend."""
    if not is_business_day(day):
        return None

    first = day.replace(day=1)
    return sum(1 for offset in range(day.day) if is_business_day(first + timedelta(offset)))


def nth_business_day(year: int, month: int, n: int) -> date:
    """Return the `n`-th business day of a month. Raises ValueError when the month has fewer."""
    if n < 1:
        raise ValueError(f"Invalid business day {n}: expected 1 or more.")

    day = date(year, month, 1)
    count = 0
    while day.month == month:
        if is_business_day(day):
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)
    raise ValueError(f"{year}-{month:02d} has fewer than {n} business days.")


def period_of(day: date) -> str:
    """Return the accounting period that contains `day`, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(day: date) -> str:
    """Return the period that ended before the month of `day`, as YYYY-MM."""
    return period_of(day.replace(day=1) - timedelta(days=1))


def parse_period(period: str) -> tuple[int, int]:
    """Return (year, month) of a YYYY-MM period. Raises ValueError for another format."""
    match = PERIOD_PATTERN.match(period)
    if match is None:
        raise ValueError(f"Invalid period {period!r}: expected YYYY-MM, for example 2026-11.")
    return int(match.group(1)), int(match.group(2))
