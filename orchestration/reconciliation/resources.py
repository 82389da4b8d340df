"""The dbt CLI resource of the reconciliation package."""

from __future__ import annotations

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.reconciliation.project import dbt_executable


def build_dbt_resource(project: DbtProject) -> DbtCliResource:
    """Return the `dbt` resource for `project`, running the dbt of this environment."""
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
