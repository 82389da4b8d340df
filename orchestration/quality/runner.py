"""Run a gate's suites with GX 1.x against the warehouse and summarize the results.

Each gate run builds an ephemeral GX context: a PostgreSQL data source, one data asset and
one `ValidationDefinition` per table, and a `Checkpoint` over them. Validation results are
kept on disk under `<home>/quality/gx/validations/` so that the Data Docs site at
`<home>/quality/data_docs/` lists the results of every run, not only the last one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import psycopg
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig
from psycopg import sql
from sqlalchemy.engine import make_url

from orchestration.quality.gates import Gate, Validation
from orchestration.quality.sql import (
    DDL_LOCK_SQL,
    LATEST_LOAD_SQL,
    LOAD_VOLUME_VIEW_SQL,
    latest_view_sql,
)
from orchestration.quality.suites import load_suite
from orchestration.quality.thresholds import Thresholds, load_thresholds, raw_parameters

logger = logging.getLogger("tieout.quality")

DATA_SOURCE_NAME = "warehouse"
DATA_DOCS_SITE = "local_site"
# How many unexpected values or rows a result keeps per failed expectation.
SAMPLE_SIZE = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}


@dataclass(frozen=True)
class QualityPaths:
    """Directories of the suites, the stored GX results and the Data Docs site."""

    expectations_dir: Path
    quality_home: Path

    @property
    def data_docs_dir(self) -> Path:
        return self.quality_home / "data_docs"

    @property
    def validations_dir(self) -> Path:
        return self.quality_home / "gx" / "validations"

    @property
    def data_docs_index(self) -> Path:
        return self.data_docs_dir / "index.html"

    @classmethod
    def from_settings(cls, settings: Any) -> QualityPaths:
        """Return the paths for an `orchestration.settings.Settings`."""
        return cls(settings.expectations_dir, settings.home / "quality")


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not pass, with a sample of what it found."""

    expectation_type: str
    column: str | None
    description: str | None
    unexpected_count: int | None
    sample: list[Any]
    error: str | None = None
    # The SQL of an `UnexpectedRowsExpectation`, with GX's `{batch}` placeholder.
    query: str | None = None

    def describe(self) -> str:
        """Return a one-line account such as `expect_column_values_to_not_be_null(id): ...`."""
        target = f"{self.expectation_type}({self.column})" if self.column else self.expectation_type
        if self.error:
            return f"{target}: raised {self.error}"
        parts = [target + ":"]
        if self.unexpected_count is not None:
            parts.append(f"{self.unexpected_count} unexpected,")
        parts.append(f"e.g. {self.sample!r}" if self.sample else "no sample")
        return " ".join(parts)


@dataclass
class ValidationOutcome:
    """The result of one suite on one table, as the asset check and the results table need it."""

    asset_key: str
    check_name: str
    suite_name: str
    success: bool
    statistics: dict[str, Any] = field(default_factory=dict)
    failures: list[FailedExpectation] = field(default_factory=list)
    error: str | None = None

    @property
    def evaluated(self) -> int:
        return int(self.statistics.get("evaluated_expectations", 0))

    @property
    def failed(self) -> int:
        return int(self.statistics.get("unsuccessful_expectations", 0))

    @property
    def failed_types(self) -> list[str]:
        return sorted({failure.expectation_type for failure in self.failures})

    def message(self) -> str:
        """Return a message naming the suite, each failed expectation and example values."""
        if self.error:
            return f"Suite {self.suite_name} could not run: {self.error}"
        if self.success:
            return f"Suite {self.suite_name} passed {self.evaluated} expectations."
        lines = [f"Suite {self.suite_name} failed {self.failed} of {self.evaluated} expectations:"]
        lines.extend(f"- {failure.describe()}" for failure in self.failures)
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """Return the failures as JSON-ready data for `quality.validation_results`."""
        return {
            "error": self.error,
            "failed_expectation_types": self.failed_types,
            "failures": [
                {
                    "expectation_type": failure.expectation_type,
                    "column": failure.column,
                    "description": failure.description,
                    "unexpected_count": failure.unexpected_count,
                    "sample": to_jsonable(failure.sample),
                    "error": failure.error,
                }
                for failure in self.failures
            ],
        }


def to_jsonable(value: Any) -> Any:
    """Convert GX result values (dates, decimals, nested rows) to JSON types."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def gx_url(warehouse_url: str) -> str:
    """Return `warehouse_url` with the psycopg2 driver, which GX's PostgreSQL source uses."""
    return (
        make_url(warehouse_url)
        .set(drivername="postgresql+psycopg2")
        .render_as_string(hide_password=False)
    )


def libpq_url(warehouse_url: str) -> str:
    """Return `warehouse_url` as a plain `postgresql://` URL for psycopg 3."""
    return (
        make_url(warehouse_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def build_context(paths: QualityPaths) -> gx.data_context.EphemeralDataContext:
    """Build an ephemeral GX context whose results and Data Docs live under `paths`."""
    in_memory = {"class_name": "InMemoryStoreBackend"}
    config = DataContextConfig(
        stores={
            "expectations_store": {"class_name": "ExpectationsStore", "store_backend": in_memory},
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(paths.validations_dir),
                },
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": in_memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": in_memory,
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(paths.data_docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_gate(
    gate: Gate,
    warehouse_url: str,
    paths: QualityPaths,
    run_id: str,
    thresholds: Thresholds | None = None,
) -> list[ValidationOutcome]:
    """Validate every table of `gate` and return one outcome per validation.

    Never raises for a data or database problem: an error becomes a failed outcome naming
    it, so a gate that cannot run blocks its downstream assets as a failed one does.
    """
    if thresholds is None:
        thresholds = load_thresholds(paths.expectations_dir)

    try:
        parameters = _prepare(gate, warehouse_url, thresholds)
        return _validate(gate, warehouse_url, paths, run_id, parameters)
    except Exception as error:
        # Any failure, from a missing raw table to an unreachable server, fails the gate.
        logger.exception("Quality gate on %s failed to run", gate.asset_key.to_user_string())
        message = f"{type(error).__name__}: {error}".strip()
        return [_error_outcome(gate, validation, message) for validation in gate.validations]


class MissingLoadError(LookupError):
    """A raw object has no loaded load to validate."""


def _prepare(gate: Gate, warehouse_url: str, thresholds: Thresholds) -> dict[str, Any]:
    """Create the views a raw gate reads and return its suite parameters."""
    if not gate.is_raw:
        return {}

    with psycopg.connect(libpq_url(warehouse_url)) as connection:
        row = connection.execute(LATEST_LOAD_SQL, (gate.source, gate.object_name)).fetchone()
        if row is None:
            raise MissingLoadError(
                f"no loaded load of {gate.source}/{gate.object_name} in raw._latest_loads; "
                "ingest a snapshot of this object first"
            )
        load_id, snapshot_at = row

        connection.execute(DDL_LOCK_SQL)
        connection.execute(LOAD_VOLUME_VIEW_SQL)
        for validation in gate.validations:
            if validation.raw_table is not None:
                connection.execute(
                    latest_view_sql(validation.raw_table, gate.source, gate.object_name)
                )

    logger.info(
        "Validating %s load %s (snapshot %s)",
        gate.asset_key.to_user_string(),
        load_id,
        snapshot_at.isoformat(),
    )
    return raw_parameters(thresholds, gate.table, _as_utc(snapshot_at))


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _validate(
    gate: Gate,
    warehouse_url: str,
    paths: QualityPaths,
    run_id: str,
    parameters: dict[str, Any],
) -> list[ValidationOutcome]:
    context = build_context(paths)
    data_source = context.data_sources.add_postgres(
        DATA_SOURCE_NAME, connection_string=gx_url(warehouse_url)
    )

    suites = _add_suites(context, paths.expectations_dir)
    definitions = []
    for validation in gate.validations:
        suite = suites.get(validation.suite_name) or context.suites.add(
            load_suite(paths.expectations_dir, validation.suite_name)
        )
        data_asset = _add_data_asset(data_source, validation)
        batch_definition = data_asset.add_batch_definition_whole_table("latest")
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=f"{gate.asset_key.to_user_string()}:{validation.check_name}",
                    data=batch_definition,
                    suite=suite,
                )
            )
        )

    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=gate.asset_key.to_user_string(),
            validation_definitions=definitions,
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(
        expectation_parameters=parameters, run_id=RunIdentifier(run_name=run_id)
    )
    _build_docs(context, list(result.run_results))

    # Suite names are unique within a gate, so they pair each result with its validation.
    results_by_suite = {
        suite_result.suite_name: suite_result for suite_result in result.run_results.values()
    }
    outcomes = [
        _outcome(gate, validation, results_by_suite[validation.suite_name])
        for validation in gate.validations
    ]
    _add_unexpected_row_samples(warehouse_url, gate, outcomes)
    return outcomes


def _add_unexpected_row_samples(
    warehouse_url: str, gate: Gate, outcomes: list[ValidationOutcome]
) -> None:
    """Fetch example rows for failed `UnexpectedRowsExpectation`s.

    GX returns their rows only with the COMPLETE result format, which would also return every
    unexpected value of the column expectations. So this runs the expectation's own query on
    the same table and keeps the first SAMPLE_SIZE rows.
    """
    pending = [
        (validation, failure)
        for validation, outcome in zip(gate.validations, outcomes, strict=True)
        for failure in outcome.failures
        if failure.query is not None and failure.error is None and validation.table is not None
    ]
    if not pending:
        return

    with psycopg.connect(libpq_url(warehouse_url)) as connection:
        for validation, failure in pending:
            relation = sql.Identifier(validation.schema, validation.table).as_string(connection)
            query = failure.query.replace("{batch}", relation)
            cursor = connection.execute(
                sql.SQL("select * from ({}) as unexpected_rows limit {}").format(
                    sql.SQL(query), sql.Literal(SAMPLE_SIZE)
                )
            )
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor]
            failure.sample[:] = to_jsonable(rows)


def _add_suites(context: Any, expectations_dir: Path) -> dict[str, Any]:
    # Data Docs drop the page of any suite missing from the context, so every context contains
    # every suite, not only those of the gate it runs.
    suites = {}
    for path in sorted(expectations_dir.glob("*/*.json")):
        suite = gx.ExpectationSuite(**json.loads(path.read_text()))
        suites[suite.name] = context.suites.add(suite)
    return suites


def _add_data_asset(data_source: Any, validation: Validation) -> Any:
    if validation.query is not None:
        return data_source.add_query_asset(validation.data_asset_name, query=validation.query)
    return data_source.add_table_asset(
        validation.data_asset_name, table_name=validation.table, schema_name=validation.schema
    )


def _build_docs(context: Any, result_ids: list[Any]) -> None:
    # Data Docs are a report on the results, not part of the gate: a rendering error is logged
    # and the gate's outcome is kept.
    try:
        context.build_data_docs(resource_identifiers=result_ids)
    except Exception:
        logger.warning("Building the GX Data Docs failed", exc_info=True)


def _outcome(gate: Gate, validation: Validation, suite_result: Any) -> ValidationOutcome:
    failures = [
        _failure(expectation_result)
        for expectation_result in suite_result.results
        if not expectation_result.success
    ]
    return ValidationOutcome(
        asset_key=gate.asset_key.to_user_string(),
        check_name=validation.check_name,
        suite_name=validation.suite_name,
        success=bool(suite_result.success),
        statistics=to_jsonable(dict(suite_result.statistics)),
        failures=failures,
    )


def _failure(expectation_result: Any) -> FailedExpectation:
    config = expectation_result.expectation_config
    result = expectation_result.result or {}
    info = expectation_result.exception_info or {}

    error = info.get("exception_message") if info.get("raised_exception") else None
    if "partial_unexpected_list" in result:
        sample = list(result["partial_unexpected_list"])
    elif "details" in result and "unexpected_rows" in result["details"]:
        sample = list(result["details"]["unexpected_rows"])[:SAMPLE_SIZE]
    elif "observed_value" in result:
        sample = [result["observed_value"]]
    else:
        sample = []

    unexpected_count = result.get("unexpected_count")
    if unexpected_count is None and config.type == "unexpected_rows_expectation":
        unexpected_count = result.get("observed_value")

    return FailedExpectation(
        expectation_type=config.type,
        column=config.kwargs.get("column"),
        description=config.description,
        unexpected_count=unexpected_count,
        sample=to_jsonable(sample),
        error=error,
        query=config.kwargs.get("unexpected_rows_query"),
    )


def _error_outcome(gate: Gate, validation: Validation, message: str) -> ValidationOutcome:
    return ValidationOutcome(
        asset_key=gate.asset_key.to_user_string(),
        check_name=validation.check_name,
        suite_name=validation.suite_name,
        success=False,
        error=message,
    )


def build_data_docs(paths: QualityPaths) -> Path:
    """Rebuild the whole Data Docs site from the stored results and return its index page."""
    context = build_context(paths)
    _add_suites(context, paths.expectations_dir)
    context.build_data_docs()
    return paths.data_docs_index
