"""The daily sync and period-close schedules, evaluated with Dagster's schedule context."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.close.calendar import (
    business_day_of_month,
    nth_business_day,
    parse_period,
    previous_period,
)
from orchestration.close.config import CloseSettings, load_close_settings
from orchestration.close.schedules import (
    PERIOD_TAG,
    SYNC_DATE_TAG,
    build_daily_sync_schedule,
    build_period_close_schedule,
)

UTC_SETTINGS = CloseSettings(schedule_timezone="UTC", close_business_day=3, bi_password=None)


def evaluate(schedule: dg.ScheduleDefinition, when: datetime) -> dg.RunRequest | dg.SkipReason:
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        return schedule(context)


def test_close_fires_on_third_business_day():
    # Tuesday 1, Wednesday 2, Thursday 3 December 2026.
    request = evaluate(build_period_close_schedule(UTC_SETTINGS), datetime(2026, 12, 3, 8))

    assert isinstance(request, dg.RunRequest)
    assert request.tags[PERIOD_TAG] == "2026-11"
    assert request.run_key == "period_close:2026-11"


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (datetime(2026, 12, 2, 8), "business day 2"),
        (datetime(2026, 12, 4, 8), "business day 4"),
        (datetime(2026, 12, 5, 8), "weekend day"),
        (datetime(2026, 11, 3, 8), "business day 2"),
    ],
)
def test_close_skips_other_days(when, reason):
    result = evaluate(build_period_close_schedule(UTC_SETTINGS), when)

    assert isinstance(result, dg.SkipReason)
    assert reason in result.skip_message


def test_close_skips_weekend_start_of_month():
    # 1 August 2026 is a Saturday: the third business day is Wednesday 5 August.
    schedule = build_period_close_schedule(UTC_SETTINGS)

    assert isinstance(evaluate(schedule, datetime(2026, 8, 3, 8)), dg.SkipReason)
    assert evaluate(schedule, datetime(2026, 8, 5, 8)).tags[PERIOD_TAG] == "2026-07"


def test_close_january_closes_december():
    settings = CloseSettings("UTC", close_business_day=1, bi_password=None)
    request = evaluate(build_period_close_schedule(settings), datetime(2027, 1, 1, 8))

    assert request.tags[PERIOD_TAG] == "2026-12"


def test_close_uses_schedule_time_zone():
    settings = CloseSettings("America/Los_Angeles", close_business_day=3, bi_password=None)
    schedule = build_period_close_schedule(settings)
    # 03:00 UTC on 4 December is still 3 December in Los Angeles.
    when = datetime(2026, 12, 4, 3, tzinfo=ZoneInfo("UTC"))

    request = evaluate(schedule, when)

    assert schedule.execution_timezone == "America/Los_Angeles"
    assert request.tags[PERIOD_TAG] == "2026-11"


def test_daily_sync_runs_every_day():
    schedule = build_daily_sync_schedule(UTC_SETTINGS)

    request = evaluate(schedule, datetime(2026, 12, 5, 6))

    assert request.tags[SYNC_DATE_TAG] == "2026-12-05"
    assert request.run_key == "daily_sync:2026-12-05"
    assert schedule.job_name == "daily_sync_job"
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"


def test_schedules_target_their_jobs():
    close = build_period_close_schedule(UTC_SETTINGS)

    assert close.name == "period_close_schedule"
    assert close.job_name == "period_close_job"


def test_settings_defaults():
    settings = load_close_settings({})

    assert settings.schedule_timezone == "UTC"
    assert settings.close_business_day == 3
    assert settings.bi_password is None


def test_settings_read_environment():
    settings = load_close_settings(
        {
            "TIEOUT_SCHEDULE_TIMEZONE": "Europe/Berlin",
            "TIEOUT_CLOSE_BUSINESS_DAY": "5",
            "TIEOUT_BI_PASSWORD": "s3cret",
        }
    )

    assert settings.schedule_timezone == "Europe/Berlin"
    assert settings.close_business_day == 5
    assert settings.bi_password == "s3cret"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TIEOUT_SCHEDULE_TIMEZONE": "Mars/Olympus"}, "IANA time zone"),
        ({"TIEOUT_CLOSE_BUSINESS_DAY": "0"}, "from 1 to 20"),
        ({"TIEOUT_CLOSE_BUSINESS_DAY": "21"}, "from 1 to 20"),
        ({"TIEOUT_CLOSE_BUSINESS_DAY": "third"}, "whole number"),
    ],
)
def test_settings_reject_invalid_values(environ, message):
    with pytest.raises(ValueError, match=message):
        load_close_settings(environ)


def test_business_day_of_month():
    assert business_day_of_month(date(2026, 12, 1)) == 1
    assert business_day_of_month(date(2026, 12, 7)) == 5
    assert business_day_of_month(date(2026, 12, 6)) is None


def test_nth_business_day():
    assert nth_business_day(2026, 8, 1) == date(2026, 8, 3)
    assert nth_business_day(2026, 12, 3) == date(2026, 12, 3)
    with pytest.raises(ValueError, match="fewer than 25"):
        nth_business_day(2026, 2, 25)


def test_previous_period():
    assert previous_period(date(2026, 12, 3)) == "2026-11"
    assert previous_period(date(2027, 1, 5)) == "2026-12"


def test_parse_period():
    assert parse_period("2026-11") == (2026, 11)
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        parse_period("2026-13")
