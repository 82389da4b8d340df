"""Schedules that span packages: the daily sync and the period-close run.

Both live in `orchestration.close.schedules`, which reads their time zone and the close's
business day from TIEOUT_SCHEDULE_TIMEZONE and TIEOUT_CLOSE_BUSINESS_DAY. Their jobs,
`daily_sync_job` and `period_close_job`, come into the code location through them.
"""

import dagster as dg

from orchestration.close.schedules import build_schedules

schedules: list[dg.ScheduleDefinition] = build_schedules()
