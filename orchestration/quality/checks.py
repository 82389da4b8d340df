"""Dagster asset checks that run the GX gates.

Each gated asset gets one `multi_asset_check` with one blocking check per suite, so one GX
context and one database session validate all of an asset's tables. A failed check has
severity ERROR, which stops the assets downstream of it in the same run.
"""

from collections.abc import Iterator, Sequence

import dagster as dg
import psycopg

from orchestration.quality.gates import ALL_GATES, Gate
from orchestration.quality.results import store_outcomes
from orchestration.quality.runner import QualityPaths, ValidationOutcome, run_gate
from orchestration.resources import WarehouseResource
from orchestration.settings import load_settings

# Check descriptions are cut to this many characters; the metadata keeps every failure.
MAX_DESCRIPTION_CHARS = 2000


def check_metadata(outcome: ValidationOutcome, paths: QualityPaths) -> dict[str, dg.MetadataValue]:
    """Return the metadata of one check result: suite, counts, failed types and samples."""
    return {
        "suite": dg.MetadataValue.text(outcome.suite_name),
        "expectations_evaluated": dg.MetadataValue.int(outcome.evaluated),
        "expectations_failed": dg.MetadataValue.int(outcome.failed),
        "failed_expectation_types": dg.MetadataValue.json(outcome.failed_types),
        "unexpected_samples": dg.MetadataValue.json(
            {failure.describe(): failure.sample for failure in outcome.failures}
        ),
        "statistics": dg.MetadataValue.json(outcome.statistics),
        "error": dg.MetadataValue.text(outcome.error or ""),
        "data_docs": dg.MetadataValue.path(str(paths.data_docs_index)),
    }


def check_result(outcome: ValidationOutcome, paths: QualityPaths) -> dg.AssetCheckResult:
    """Turn one validation outcome into a blocking-severity check result."""
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey.from_user_string(outcome.asset_key),
        check_name=outcome.check_name,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.message()[:MAX_DESCRIPTION_CHARS],
        metadata=check_metadata(outcome, paths),
    )


def build_gate_check(gate: Gate) -> dg.AssetChecksDefinition:
    """Build the blocking asset checks of one gate."""
    specs = [
        dg.AssetCheckSpec(
            name=validation.check_name,
            asset=gate.asset_key,
            blocking=True,
            description=f"GX suite {validation.suite_name}",
        )
        for validation in gate.validations
    ]

    @dg.multi_asset_check(
        specs=specs,
        name="quality_gate__" + "__".join(gate.asset_key.path),
        description=f"Run the GX suites of {gate.asset_key.to_user_string()}.",
    )
    def gate_check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        paths = QualityPaths.from_settings(load_settings())
        outcomes = run_gate(gate, warehouse.url, paths, context.run.run_id)
        _store(context, warehouse, outcomes)

        for outcome in outcomes:
            if outcome.success:
                context.log.info(outcome.message())
            else:
                context.log.error(outcome.message())
            yield check_result(outcome, paths)

    return gate_check


def _store(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    outcomes: Sequence[ValidationOutcome],
) -> None:
    # The check results are yielded even when storing fails, so a failed gate still blocks.
    # Posting reads the stored rows and rejects a batch without a stored passing result.
    try:
        with warehouse.connect() as connection:
            store_outcomes(connection, context.run.run_id, outcomes)
            connection.commit()
    except psycopg.Error:
        context.log.exception("Storing the results in quality.validation_results failed")


def build_gate_checks(gates: Sequence[Gate] = ALL_GATES) -> list[dg.AssetChecksDefinition]:
    """Build the checks of every gate."""
    return [build_gate_check(gate) for gate in gates]
