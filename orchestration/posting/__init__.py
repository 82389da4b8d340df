"""Dagster definitions for posting."""
