"""Settings of the period close, read from environment variables.

NOTE: `orchestration.settings` does not carry these variables yet. They move there
once it does, and this module then reads them from `Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCHEDULE_TIMEZONE_VARIABLE = "TIEOUT_SCHEDULE_TIMEZONE"
CLOSE_BUSINESS_DAY_VARIABLE = "TIEOUT_CLOSE_BUSINESS_DAY"
BI_PASSWORD_VARIABLE = "TIEOUT_BI_PASSWORD"

DEFAULT_SCHEDULE_TIMEZONE = "UTC"
# The close runs on the third weekday of the month, after the period's last invoices,
# payments and journals have reached the first snapshots of the new month.
DEFAULT_CLOSE_BUSINESS_DAY = 3
# A month has at least 20 weekdays, so business days 1 to 20 exist in every month.
MAX_CLOSE_BUSINESS_DAY = 20


@dataclass(frozen=True)
class CloseSettings:
    """Schedule time zone, close business day and BI password of the period close."""

    schedule_timezone: str
    close_business_day: int
    bi_password: str | None


def load_close_settings(environ: Mapping[str, str] | None = None) -> CloseSettings:
    """Build `CloseSettings` from `environ`, or from `os.environ` when it is None.

    Raises ValueError for an unknown IANA time zone or a business day outside 1 to 20.
    """
    if environ is None:
        environ = os.environ

    timezone = environ.get(SCHEDULE_TIMEZONE_VARIABLE, "").strip() or DEFAULT_SCHEDULE_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Invalid {SCHEDULE_TIMEZONE_VARIABLE} {timezone!r}: expected an IANA time zone "
            "such as UTC or America/Los_Angeles."
        ) from None

    return CloseSettings(
        schedule_timezone=timezone,
        close_business_day=_business_day_from(environ.get(CLOSE_BUSINESS_DAY_VARIABLE, "")),
        bi_password=environ.get(BI_PASSWORD_VARIABLE) or None,
    )


def _business_day_from(value: str) -> int:
    value = value.strip()
    if not value:
        return DEFAULT_CLOSE_BUSINESS_DAY

    error = ValueError(
        f"Invalid {CLOSE_BUSINESS_DAY_VARIABLE} {value!r}: expected a whole number from 1 "
        f"to {MAX_CLOSE_BUSINESS_DAY}, the weekday of the month on which the close runs."
    )
    try:
        day = int(value)
    except ValueError:
        raise error from None
    if not 1 <= day <= MAX_CLOSE_BUSINESS_DAY:
        raise error
    return day
