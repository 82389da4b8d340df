"""Dagster definitions for reconciliation."""
