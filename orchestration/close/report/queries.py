"""SQL of the close report, one query per section, filtered on a bound period parameter.

The builders are pure: they return the statement and its parameters, and
`orchestration.close.report.data` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from orchestration.close.calendar import parse_period

SUMMARY = ("finance", "reconciliation_summary")
EXCEPTIONS = ("finance", "reconciliation_exceptions")
AR_TIEOUT = ("finance", "ar_tieout")
CLOSE_READINESS = ("finance", "close_readiness")
RESTATED = ("finance", "restated_after_signoff")
POSTING_BATCHES = ("posting", "batches")
SIGNOFFS = ("ops", "period_signoffs")

# Upper bounds (inclusive, in days) of the age buckets of open exceptions; older ones fall
# in a last bucket.
AGE_BUCKET_LIMITS = (30, 60, 90)
UNKNOWN_AGE = "age unknown"


@dataclass(frozen=True)
class ReportQuery:
    """A statement of the report, the relation it reads and its bound parameters."""

    name: str
    relation: tuple[str, str]
    statement: sql.Composed
    params: tuple

    @property
    def relation_name(self) -> str:
        return ".".join(self.relation)

    def as_string(self) -> str:
        """Return the statement as text, with placeholders for the parameters."""
        return self.statement.as_string(None)


def age_bucket_labels() -> list[str]:
    """Return the age bucket labels, youngest first, then the unknown bucket."""
    labels = []
    lower = 0
    for upper in AGE_BUCKET_LIMITS:
        labels.append(f"{lower}-{upper} days")
        lower = upper + 1
    labels.append(f"over {AGE_BUCKET_LIMITS[-1]} days")
    labels.append(UNKNOWN_AGE)
    return labels


def age_bucket_expression(column: str = "age_days") -> sql.Composed:
    """Return a CASE expression that maps an age in days to its bucket label."""
    labels = age_bucket_labels()
    age = sql.Identifier(column)
    branches = [sql.SQL("when {} is null then {}").format(age, sql.Literal(UNKNOWN_AGE))]
    for upper, label in zip(AGE_BUCKET_LIMITS, labels, strict=False):
        branches.append(sql.SQL("when {} <= {} then {}").format(age, upper, sql.Literal(label)))
    return sql.SQL("case {} else {} end").format(
        sql.SQL(" ").join(branches), sql.Literal(labels[-2])
    )


def match_rate_query(period: str) -> ReportQuery:
    """Build the matched, unmatched and total counts and the match rate per subsidiary and pair."""
    statement = sql.SQL(
        """
        select
            subsidiary_id,
            pair,
            sum(matched_count) as matched_count,
            sum(unmatched_count) as unmatched_count,
            sum(total_count) as total_count,
            case
                when sum(total_count) > 0
                    then round(sum(matched_count)::numeric / sum(total_count), 4)
            end as match_rate
        from {relation}
        where period = %s
        group by subsidiary_id, pair
        order by subsidiary_id, pair
        """
    ).format(relation=sql.Identifier(*SUMMARY))
    return ReportQuery("match_rates", SUMMARY, statement, (_checked(period),))


def unmatched_query(period: str) -> ReportQuery:
    """Build the exception count and functional amount per subsidiary, reason and age bucket."""
    statement = sql.SQL(
        """
        select
            subsidiary_id,
            reason_code,
            {bucket} as age_bucket,
            count(*) as exception_count,
            sum(abs(difference_functional)) as amount_functional
        from {relation}
        where period = %s
        group by subsidiary_id, reason_code, age_bucket
        order by subsidiary_id, reason_code, age_bucket
        """
    ).format(bucket=age_bucket_expression(), relation=sql.Identifier(*EXCEPTIONS))
    return ReportQuery("unmatched", EXCEPTIONS, statement, (_checked(period),))


def period_rows_query(name: str, relation: tuple[str, str], period: str) -> ReportQuery:
    """Build a query for every column of `relation` in one period, by subsidiary."""
    statement = sql.SQL("select * from {} where period = %s order by subsidiary_id").format(
        sql.Identifier(*relation)
    )
    return ReportQuery(name, relation, statement, (_checked(period),))


def posting_query(period: str) -> ReportQuery:
    """Build the journal batch count and debit total per subsidiary and state."""
    statement = sql.SQL(
        """
        select
            subsidiary_id,
            state,
            count(*) as batch_count,
            sum(total_debit) as total_debit
        from {relation}
        where period = %s
        group by subsidiary_id, state
        order by subsidiary_id, state
        """
    ).format(relation=sql.Identifier(*POSTING_BATCHES))
    return ReportQuery("posting", POSTING_BATCHES, statement, (_checked(period),))


def signoff_query(period: str) -> ReportQuery:
    """Build the sign-offs of the period; an empty subsidiary_id covers every subsidiary."""
    statement = sql.SQL(
        """
        select subsidiary_id, signed_off_by, signed_off_at
        from {relation}
        where period = %s
        order by subsidiary_id nulls first
        """
    ).format(relation=sql.Identifier(*SIGNOFFS))
    return ReportQuery("signoffs", SIGNOFFS, statement, (_checked(period),))


def restated_query(period: str) -> ReportQuery:
    """Build the count of documents restated after sign-off per subsidiary."""
    statement = sql.SQL(
        """
        select subsidiary_id, count(*) as restated_count
        from {relation}
        where period = %s
        group by subsidiary_id
        order by subsidiary_id
        """
    ).format(relation=sql.Identifier(*RESTATED))
    return ReportQuery("restated", RESTATED, statement, (_checked(period),))


def report_queries(period: str) -> list[ReportQuery]:
    """Build every query of the report for `period`."""
    return [
        match_rate_query(period),
        unmatched_query(period),
        period_rows_query("ar_tieout", AR_TIEOUT, period),
        period_rows_query("close_readiness", CLOSE_READINESS, period),
        posting_query(period),
        signoff_query(period),
        restated_query(period),
    ]


def _checked(period: str) -> str:
    parse_period(period)
    return period
