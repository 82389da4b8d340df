"""The daily sync and the period-close run.

Both schedules fire at fixed times in the time zone of TIEOUT_SCHEDULE_TIMEZONE. The
close schedule fires on every weekday and launches a run only on the business day of
the month set by TIEOUT_CLOSE_BUSINESS_DAY, for the period that ended before that month.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.close.calendar import business_day_of_month, previous_period
from orchestration.close.config import CloseSettings, load_close_settings
from orchestration.reconciliation.partitions import partition_range_tags, period_partitions

# Run tag naming the accounting period (YYYY-MM) that a close run closes.
PERIOD_TAG = "tieout/period"
RUN_KIND_TAG = "tieout/run_kind"
# Run tag with the local date (YYYY-MM-DD) of a daily sync.
SYNC_DATE_TAG = "tieout/sync_date"

DAILY_SYNC_JOB_NAME = "daily_sync_job"
PERIOD_CLOSE_JOB_NAME = "period_close_job"

# 06:00 every day: after the source systems' nightly exports have landed.
DAILY_SYNC_CRON = "0 6 * * *"
# 08:00 Monday to Friday, two hours after the daily sync, so the close reads fresh loads.
PERIOD_CLOSE_CRON = "0 8 * * 1-5"

daily_sync_job = dg.define_asset_job(
    DAILY_SYNC_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description=(
        "Ingest new snapshot files, rebuild the dbt models and run the quality gates on "
        "every asset."
    ),
    tags={RUN_KIND_TAG: "daily_sync"},
)

period_close_job = dg.define_asset_job(
    PERIOD_CLOSE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description=(
        "Rebuild every asset for the close of the period named in the run tag "
        f"{PERIOD_TAG}, so the marts and the close report reflect the latest snapshots."
    ),
    tags={RUN_KIND_TAG: "period_close"},
)


def build_daily_sync_schedule(settings: CloseSettings) -> dg.ScheduleDefinition:
    """Build the schedule that runs `daily_sync_job` every morning."""
    timezone = ZoneInfo(settings.schedule_timezone)

    @dg.schedule(
        name="daily_sync_schedule",
        job=daily_sync_job,
        cron_schedule=DAILY_SYNC_CRON,
        execution_timezone=settings.schedule_timezone,
        description=(
            "Every day at 06:00 in the schedule time zone: ingest the new snapshots, "
            f"rebuild the models and run the quality gates. The run tag {SYNC_DATE_TAG} "
            "names the local date."
        ),
    )
    def daily_sync_schedule(context: dg.ScheduleEvaluationContext):
        local_time = _local_time(context.scheduled_execution_time, timezone)
        today = local_time.date().isoformat()
        return dg.RunRequest(
            run_key=f"daily_sync:{today}",
            tags={SYNC_DATE_TAG: today, **all_periods_tags(local_time)},
        )

    return daily_sync_schedule


def build_period_close_schedule(settings: CloseSettings) -> dg.ScheduleDefinition:
    """Build the schedule that runs `period_close_job` on the configured business day."""
    timezone = ZoneInfo(settings.schedule_timezone)
    business_day = settings.close_business_day

    @dg.schedule(
        name="period_close_schedule",
        job=period_close_job,
        cron_schedule=PERIOD_CLOSE_CRON,
        execution_timezone=settings.schedule_timezone,
        description=(
            f"Business day {business_day} of each month at 08:00 in the schedule time zone: "
            f"close the period that just ended, named in the run tag {PERIOD_TAG}."
        ),
    )
    def period_close_schedule(context: dg.ScheduleEvaluationContext):
        local_time = _local_time(context.scheduled_execution_time, timezone)
        return close_run_request(local_time, business_day)

    return period_close_schedule


def close_run_request(local_time: datetime, business_day: int) -> dg.RunRequest | dg.SkipReason:
    """Return the close run for the tick at `local_time`, or why this tick launches none."""
    today = local_time.date()
    day_number = business_day_of_month(today)
    if day_number != business_day:
        reached = "a weekend day" if day_number is None else f"business day {day_number}"
        return dg.SkipReason(
            f"{today.isoformat()} is {reached} of its month; the close runs on business "
            f"day {business_day}."
        )

    period = previous_period(today)
    # The period's partition of the per-period marts; the unpartitioned assets run whole.
    return dg.RunRequest(
        run_key=f"period_close:{period}", partition_key=period, tags={PERIOD_TAG: period}
    )


def all_periods_tags(local_time: datetime) -> dict[str, str]:
    """Return the run tags that rebuild every accounting period in one run."""
    keys = period_partitions().get_partition_keys(current_time=local_time)
    if not keys:
        return {}
    return partition_range_tags(dg.PartitionKeyRange(keys[0], keys[-1]))


def _local_time(scheduled: datetime | None, timezone: ZoneInfo) -> datetime:
    # A tick started by hand from the UI has no scheduled time.
    if scheduled is None:
        return datetime.now(timezone)
    if scheduled.tzinfo is None:
        return scheduled.replace(tzinfo=timezone)
    return scheduled.astimezone(timezone)


def build_schedules(settings: CloseSettings | None = None) -> list[dg.ScheduleDefinition]:
    """Build both schedules from `settings`, or from the environment when it is None."""
    if settings is None:
        settings = load_close_settings()
    return [build_daily_sync_schedule(settings), build_period_close_schedule(settings)]
