"""Data-quality gates: GX suites run as blocking Dagster asset checks.

Posting calls `latest_gate_status` and rejects a batch when a mart's newest validation failed.
"""

import os

# Set before any submodule imports GX: tieout never sends GX usage statistics. Each context
# is also built with analytics disabled.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from orchestration.quality.results import latest_gate_status

__all__ = ["latest_gate_status"]
