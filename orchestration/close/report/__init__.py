"""The close report: one self-contained HTML file per accounting period."""

from orchestration.close.report.render import build_report, default_report_path

__all__ = ["build_report", "default_report_path"]
