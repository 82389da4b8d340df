"""Plotly figures of the close report, rendered as HTML fragments.

The first fragment carries the plotly.js library inline and the others reuse it, so the
report opens without network access.
"""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.close.report.queries import age_bucket_labels

FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
# Age buckets from young (green) to old (red), then grey for an unknown age.
AGE_COLORS = ("#2f9e44", "#f08c00", "#e8590c", "#c92a2a", "#868e96")
CHART_HEIGHT = 360


class FigureRenderer:
    """Turns figures into HTML fragments; only the first one includes plotly.js."""

    def __init__(self) -> None:
        self.count = 0

    def render(self, figure: go.Figure) -> str:
        """Return the HTML fragment of `figure`."""
        html = figure.to_html(
            full_html=False,
            include_plotlyjs=self.count == 0,
            config=FIGURE_CONFIG,
            default_height=CHART_HEIGHT,
        )
        self.count += 1
        return html


def match_rate_figure(rows: list[dict], subsidiary_names: dict[int, str]) -> go.Figure:
    """Build bars of the match rate (percent) per pair, one bar group per subsidiary."""
    figure = go.Figure()
    for subsidiary_id, name in subsidiary_names.items():
        selected = [row for row in rows if row["subsidiary_id"] == subsidiary_id]
        if not selected:
            continue
        figure.add_bar(
            name=name,
            x=[row["pair"] for row in selected],
            y=[_percent(row["match_rate"]) for row in selected],
            text=[f"{_percent(row['match_rate']):.1f}%" for row in selected],
            textposition="outside",
        )
    figure.update_layout(
        barmode="group",
        yaxis={"title": "match rate (%)", "range": [0, 105]},
        xaxis={"title": "pair"},
        margin={"t": 30},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def unmatched_figure(rows: list[dict], currency: str) -> go.Figure:
    """Build stacked bars of unmatched amounts per reason code, one color per age bucket."""
    reasons = sorted({row["reason_code"] for row in rows})
    figure = go.Figure()
    for bucket, color in zip(age_bucket_labels(), AGE_COLORS, strict=True):
        amounts = {
            row["reason_code"]: row["amount_functional"] or 0.0
            for row in rows
            if row["age_bucket"] == bucket
        }
        if not amounts:
            continue
        figure.add_bar(
            name=bucket,
            x=reasons,
            y=[amounts.get(reason, 0.0) for reason in reasons],
            marker_color=color,
        )
    figure.update_layout(
        barmode="stack",
        yaxis={"title": f"unmatched amount ({currency or 'functional currency'})"},
        margin={"t": 30},
        legend={"title": "age", "orientation": "h", "y": -0.45},
    )
    return figure


def exception_count_figure(rows: list[dict], subsidiary_names: dict[int, str]) -> go.Figure:
    """Build stacked bars of exception counts per reason code, one color per subsidiary."""
    reasons = sorted({row["reason_code"] for row in rows})
    figure = go.Figure()
    for subsidiary_id, name in subsidiary_names.items():
        counts: dict[str, int] = {}
        for row in rows:
            if row["subsidiary_id"] == subsidiary_id:
                reason = row["reason_code"]
                counts[reason] = counts.get(reason, 0) + row["exception_count"]
        if counts:
            figure.add_bar(name=name, x=reasons, y=[counts.get(reason, 0) for reason in reasons])
    figure.update_layout(
        barmode="stack",
        yaxis={"title": "exceptions"},
        margin={"t": 30},
        legend={"orientation": "h", "y": -0.45},
    )
    return figure


def posting_figure(rows: list[dict]) -> go.Figure:
    """Build bars of journal batch counts per state."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + row["batch_count"]
    figure = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), text=list(counts.values())))
    figure.update_layout(yaxis={"title": "batches"}, xaxis={"title": "state"}, margin={"t": 30})
    return figure


def _percent(rate: float | None) -> float:
    return 0.0 if rate is None else rate * 100
