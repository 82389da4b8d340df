"""Accounting periods, time zones and the consolidated exchange rates of the
generated company."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from orchestration.generator.seeds import Seeds

RATE_QUANTUM = Decimal("0.000001")
# Value of one unit of each currency in US dollars at the start of the history.
# Currencies missing here are valued at 1 USD.
BASE_USD_VALUES = {
    "USD": Decimal("1"),
    "GBP": Decimal("1.27"),
    "EUR": Decimal("1.08"),
    "JPY": Decimal("0.0067"),
    "CAD": Decimal("0.73"),
    "KWD": Decimal("3.25"),
}
# Largest move of a currency against USD from one month to the next, in basis points.
MONTHLY_DRIFT_BASIS_POINTS = 150


@dataclass(frozen=True)
class Period:
    """A monthly accounting period. `index` counts from the oldest generated month."""

    index: int
    netsuite_id: int
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def name(self) -> str:
        return self.start.strftime("%b %Y")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class SummaryPeriod:
    """A quarter or fiscal-year row of accountingperiod.csv (not a posting period)."""

    netsuite_id: int
    name: str
    start: date
    end: date
    is_quarter: bool
    is_year: bool


def parse_month(text: str) -> date:
    """Parse `YYYY-MM` into the first day of that month."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as error:
        raise ValueError(f"invalid period {text!r}: expected YYYY-MM, e.g. 2026-11") from error


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def build_periods(
    end_period: str, months: int
) -> tuple[tuple[Period, ...], tuple[SummaryPeriod, ...]]:
    """Return the monthly periods ending at `end_period` and the quarters and years
    that contain them, numbered as NetSuite internal ids in date order."""
    last = parse_month(end_period)
    starts = [add_months(last, offset) for offset in range(-months + 1, 1)]
    rows: list[tuple[date, int, str, date, bool, bool]] = []
    seen_years: set[int] = set()
    seen_quarters: set[tuple[int, int]] = set()
    for start in starts:
        if start.year not in seen_years:
            seen_years.add(start.year)
            rows.append(
                (
                    date(start.year, 1, 1),
                    0,
                    f"FY {start.year}",
                    date(start.year, 12, 31),
                    False,
                    True,
                )
            )
        quarter = (start.month - 1) // 3 + 1
        if (start.year, quarter) not in seen_quarters:
            seen_quarters.add((start.year, quarter))
            quarter_start = date(start.year, 3 * quarter - 2, 1)
            rows.append(
                (
                    quarter_start,
                    1,
                    f"Q{quarter} {start.year}",
                    month_end(add_months(quarter_start, 2)),
                    True,
                    False,
                )
            )
        rows.append((start, 2, "", month_end(start), False, False))
    rows.sort(key=lambda row: (row[0], row[1]))

    periods: list[Period] = []
    summaries: list[SummaryPeriod] = []
    for netsuite_id, (start, kind, name, end, is_quarter, is_year) in enumerate(rows, start=1):
        if kind == 2:
            periods.append(Period(len(periods), netsuite_id, start, end))
        else:
            summaries.append(SummaryPeriod(netsuite_id, name, start, end, is_quarter, is_year))
    return tuple(periods), tuple(summaries)


def snapshot_time(end_period: str) -> datetime:
    """Return the extraction time: 06:00 UTC on the first day after `end_period`."""
    first = add_months(parse_month(end_period), 1)
    return datetime.combine(first, time(6, 0), tzinfo=UTC)


def snapshot_folder(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def local_moment(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    """Return the UTC instant of a wall-clock time in `zone`."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def period_of(periods: tuple[Period, ...], day: date) -> Period | None:
    """Return the period containing `day`, or None outside the generated months."""
    first = periods[0].start
    index = (day.year - first.year) * 12 + day.month - first.month
    if 0 <= index < len(periods):
        return periods[index]
    return None


class ExchangeRates:
    """Consolidated average rates per period into each subsidiary's functional currency."""

    def __init__(self, seeds: Seeds, periods: tuple[Period, ...], seed: int) -> None:
        rng = random.Random(f"{seed}:exchange-rates")
        values = {code: BASE_USD_VALUES.get(code, Decimal(1)) for code in seeds.currencies}
        self._usd_values: list[dict[str, Decimal]] = []
        for _ in periods:
            self._usd_values.append(dict(values))
            for code in values:
                if code != "USD":
                    drift = rng.randint(-MONTHLY_DRIFT_BASIS_POINTS, MONTHLY_DRIFT_BASIS_POINTS)
                    values[code] = values[code] * (1 + Decimal(drift) / 10000)

    def average(self, period: Period, from_code: str, to_code: str) -> Decimal:
        """Return the average rate that converts `from_code` into `to_code` in `period`."""
        if from_code == to_code:
            return Decimal(1)
        values = self._usd_values[period.index]
        return (values[from_code] / values[to_code]).quantize(RATE_QUANTUM)

    def current(self, period: Period, from_code: str, to_code: str) -> Decimal:
        """Return the period-end rate: the next period's starting value."""
        if from_code == to_code:
            return Decimal(1)
        index = min(period.index + 1, len(self._usd_values) - 1)
        values = self._usd_values[index]
        return (values[from_code] / values[to_code]).quantize(RATE_QUANTUM)
