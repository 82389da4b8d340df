"""Dagster definitions of the quality package, gathered by orchestration.definitions."""

import dagster as dg

from orchestration.quality.checks import build_gate_checks

defs = dg.Definitions(asset_checks=build_gate_checks())
