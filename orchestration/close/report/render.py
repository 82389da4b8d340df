"""Render the close report to one HTML file, and optionally the dbt docs beside it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import psycopg

from orchestration.close.dbt_cli import run_dbt
from orchestration.close.report.charts import (
    FigureRenderer,
    exception_count_figure,
    match_rate_figure,
    posting_figure,
    unmatched_figure,
)
from orchestration.close.report.data import ReportData, SectionData, fetch_report_data
from orchestration.settings import Settings

logger = logging.getLogger("tieout.close")

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "close_report.html.j2"
DBT_DOCS_FOLDER = "dbt-docs"
# `dbt docs generate --static` writes the whole site into this one file.
DBT_DOCS_FILE = "static_index.html"


@dataclass(frozen=True)
class Chart:
    """A rendered figure, or the reason the section shows none."""

    html: str | None
    message: str | None = None


def default_report_path(settings: Settings, period: str) -> Path:
    """Return where the report of `period` goes by default: TIEOUT_HOME/reports/."""
    return settings.home / "reports" / f"close-{period}.html"


def build_report(
    conn: psycopg.Connection,
    settings: Settings,
    period: str,
    out_path: Path,
    with_dbt_docs: bool = False,
) -> Path:
    """Query the warehouse for `period`, write the HTML report to `out_path` and return it.

    With `with_dbt_docs`, also runs `dbt docs generate --static` into a `dbt-docs` folder
    beside the report and links it; that needs the dbt connection variables exported.
    """
    seed_path = settings.dbt_project_dir / "seeds" / "subsidiaries.csv"
    data = fetch_report_data(conn, period, seed_path, datetime.now(UTC))

    out_path.parent.mkdir(parents=True, exist_ok=True)
    docs_link = None
    if with_dbt_docs:
        docs_dir = out_path.parent / DBT_DOCS_FOLDER
        run_dbt(settings, ["docs", "generate", "--static"], docs_dir)
        docs_link = f"{DBT_DOCS_FOLDER}/{DBT_DOCS_FILE}"
        logger.info("Wrote the dbt docs to %s", docs_dir / DBT_DOCS_FILE)

    out_path.write_text(render_report(data, docs_link), encoding="utf-8")
    logger.info("Wrote the close report of %s to %s", period, out_path)
    return out_path


def render_report(data: ReportData, docs_link: str | None = None) -> str:
    """Return the HTML of the report for `data`."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = format_cell
    return environment.get_template(TEMPLATE_NAME).render(build_view(data, docs_link))


def build_view(data: ReportData, docs_link: str | None) -> dict:
    """Return the template context, rendering the figures in the order the page shows them."""
    renderer = FigureRenderer()
    sections = data.sections
    names = {item.subsidiary_id: item.name for item in data.subsidiaries}

    summary = {
        "match_rates": _chart(
            renderer, sections["match_rates"], lambda rows: match_rate_figure(rows, names)
        ),
        "exception_counts": _chart(
            renderer, sections["unmatched"], lambda rows: exception_count_figure(rows, names)
        ),
        "posting": _chart(renderer, sections["posting"], posting_figure),
        "rows": [_summary_row(data, subsidiary) for subsidiary in data.subsidiaries],
        "signoffs": sections["signoffs"],
    }

    subsidiaries = []
    for subsidiary in data.subsidiaries:
        own = {
            name: section.for_subsidiary(subsidiary.subsidiary_id)
            for name, section in sections.items()
        }
        single = {subsidiary.subsidiary_id: subsidiary.name}
        subsidiaries.append(
            {
                "subsidiary": subsidiary,
                "signoff": _signoff_text(sections["signoffs"], subsidiary.subsidiary_id),
                "match_rates": _chart(
                    renderer, own["match_rates"], lambda rows, s=single: match_rate_figure(rows, s)
                ),
                "match_rate_rows": own["match_rates"],
                "unmatched": _chart(
                    renderer,
                    own["unmatched"],
                    lambda rows, c=subsidiary.functional_currency: unmatched_figure(rows, c),
                ),
                "unmatched_by_reason": _by_reason(own["unmatched"]),
                "ar_tieout": own["ar_tieout"],
                "posting": _chart(renderer, own["posting"], posting_figure),
                "posting_rows": own["posting"],
                "readiness": own["close_readiness"],
                "restated": own["restated"],
            }
        )

    return {
        "period": data.period,
        "generated_at": data.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "docs_link": docs_link,
        "summary": summary,
        "subsidiaries": subsidiaries,
    }


def format_cell(value: object) -> str:
    """Format a table cell: amounts with two decimals and separators, times without microseconds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _chart(renderer: FigureRenderer, section: SectionData, build) -> Chart:
    if section.unavailable is not None:
        return Chart(None, section.unavailable)
    if not section.rows:
        return Chart(None, "No rows for this period.")
    return Chart(renderer.render(build(section.rows)))


def _by_reason(section: SectionData) -> SectionData:
    if section.unavailable is not None:
        return section

    totals: dict[str, dict] = {}
    for row in section.rows:
        total = totals.setdefault(
            row["reason_code"],
            {"reason_code": row["reason_code"], "exceptions": 0, "amount_functional": 0.0},
        )
        total["exceptions"] += row["exception_count"]
        total["amount_functional"] += row["amount_functional"] or 0.0
    rows = sorted(totals.values(), key=lambda row: -row["amount_functional"])
    return SectionData(rows, ["reason_code", "exceptions", "amount_functional"])


def _summary_row(data: ReportData, subsidiary) -> dict:
    subsidiary_id = subsidiary.subsidiary_id
    sections = {
        name: section.for_subsidiary(subsidiary_id) for name, section in data.sections.items()
    }

    rates = sections["match_rates"].rows
    matched = sum(row["matched_count"] or 0 for row in rates)
    total = sum(row["total_count"] or 0 for row in rates)
    unmatched = sections["unmatched"].rows
    readiness = sections["close_readiness"].rows
    restated = sections["restated"].rows

    return {
        "name": subsidiary.name,
        "currency": subsidiary.functional_currency,
        "match_rate": f"{matched / total:.1%}" if total else "",
        "exceptions": sum(row["exception_count"] for row in unmatched),
        "unmatched_amount": sum(row["amount_functional"] or 0.0 for row in unmatched),
        "ready": _ready_text(readiness),
        "restated": sum(row["restated_count"] for row in restated),
        "signoff": _signoff_text(data.sections["signoffs"], subsidiary_id),
    }


def _ready_text(rows: list[dict]) -> str:
    flags = [row.get("ready", row.get("is_ready")) for row in rows]
    flags = [flag for flag in flags if flag is not None]
    if not flags:
        return "unknown"
    return "ready" if all(flags) else "not ready"


def _signoff_text(section: SectionData, subsidiary_id: int) -> str:
    if section.unavailable is not None:
        return "not signed off"
    # A sign-off of this subsidiary comes before one that covers every subsidiary.
    for candidate in (subsidiary_id, None):
        for row in section.rows:
            if row["subsidiary_id"] == candidate:
                when = format_cell(row["signed_off_at"])
                return f"signed off by {row['signed_off_by']} on {when}"
    return "not signed off"
