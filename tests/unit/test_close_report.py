"""Close report: query builders, cell formatting and the rendered page, without a database."""

from datetime import UTC, date, datetime

import pytest

from orchestration.close.report.data import SectionData, Subsidiary
from orchestration.close.report.queries import (
    age_bucket_expression,
    age_bucket_labels,
    match_rate_query,
    period_rows_query,
    posting_query,
    report_queries,
    unmatched_query,
)
from orchestration.close.report.render import format_cell, render_report
from orchestration.close.report.sample import sample_report_data


def test_queries_bind_period():
    for query in report_queries("2026-11"):
        assert query.params == ("2026-11",)
        assert "%s" in query.as_string()
        assert "2026-11" not in query.as_string()


def test_queries_reject_invalid_period():
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        match_rate_query("2026-11'; drop table finance.x; --")


def test_match_rate_query_reads_summary():
    text = match_rate_query("2026-11").as_string()

    assert '"finance"."reconciliation_summary"' in text
    assert "group by subsidiary_id, pair" in text
    assert "sum(matched_count)::numeric / sum(total_count)" in text


def test_unmatched_query_groups_by_age():
    text = unmatched_query("2026-11").as_string()

    assert '"finance"."reconciliation_exceptions"' in text
    assert "abs(difference_functional)" in text
    assert "group by subsidiary_id, reason_code, age_bucket" in text


def test_period_rows_query_quotes_relation():
    query = period_rows_query("ar_tieout", ("finance", "ar_tieout"), "2026-11")

    assert query.as_string() == (
        'select * from "finance"."ar_tieout" where period = %s order by subsidiary_id'
    )
    assert query.relation_name == "finance.ar_tieout"


def test_posting_query_reads_batches():
    text = posting_query("2026-11").as_string()

    assert '"posting"."batches"' in text
    assert "group by subsidiary_id, state" in text


def test_age_bucket_labels():
    assert age_bucket_labels() == [
        "0-30 days",
        "31-60 days",
        "61-90 days",
        "over 90 days",
        "age unknown",
    ]


def test_age_bucket_expression():
    text = age_bucket_expression().as_string()

    assert text.startswith("case when \"age_days\" is null then 'age unknown'")
    assert "when \"age_days\" <= 30 then '0-30 days'" in text
    assert text.endswith("else 'over 90 days' end")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "yes"),
        (1234567.891, "1,234,567.89"),
        (-50.0, "-50.00"),
        (12000, "12,000"),
        (date(2026, 11, 30), "2026-11-30"),
        (datetime(2026, 12, 2, 9, 0, 5, 123, tzinfo=UTC), "2026-12-02 09:00 UTC"),
        ("billing-GL", "billing-GL"),
    ],
)
def test_format_cell(value, expected):
    assert format_cell(value) == expected


def test_report_inlines_plotly_once():
    html = render_report(sample_report_data())

    # plotly.js starts with a banner comment naming its version; one copy is inlined.
    assert html.count("plotly.js v") == 1
    assert "<script src=" not in html
    assert html.count('class="plotly-graph-div"') >= 5


def test_report_has_section_per_subsidiary():
    html = render_report(sample_report_data())

    assert 'id="summary"' in html
    assert 'id="subsidiary-1"' in html
    assert 'id="subsidiary-2"' in html
    assert "tieout Ltd (subsidiary 2, GBP)" in html


def test_report_says_posting_missing():
    html = render_report(sample_report_data())

    assert "posting.batches does not exist yet." in html


def test_report_shows_signoff_and_readiness():
    html = render_report(sample_report_data())

    assert "signed off by Ana Ortiz on 2026-12-02 09:00 UTC" in html
    assert "not ready" in html
    assert "2,045.50" in html


def test_report_links_dbt_docs():
    html = render_report(sample_report_data(), docs_link="dbt-docs/static_index.html")

    assert 'href="dbt-docs/static_index.html"' in html


def test_report_escapes_values():
    data = sample_report_data()
    data.subsidiaries[0] = Subsidiary(1, "<script>alert(1)</script>", "USD")

    html = render_report(data)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_without_marts():
    missing = SectionData(unavailable="finance.reconciliation_summary does not exist yet.")
    data = sample_report_data()
    for name in data.sections:
        data.sections[name] = missing

    html = render_report(data)

    assert "plotly.js v" not in html
    assert "finance.reconciliation_summary does not exist yet." in html
