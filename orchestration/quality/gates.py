"""The gates: which suites run against which table, and on which Dagster asset.

A gate belongs to one asset and runs one GX `ValidationDefinition` per table it covers. A raw
object's gate covers its table, the tables of its nested child objects (which arrive in the
same load) and its row of the load volume view.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from orchestration.ingestion.objects import OBJECTS, ObjectSpec
from orchestration.quality import marts
from orchestration.quality.sql import QUALITY_SCHEMA, latest_view_name, load_volume_query
from orchestration.quality.suites import LOAD_VOLUME_SUITE, raw_suite_name

LOAD_VOLUME_CHECK = "gx_load_volume"


@dataclass(frozen=True)
class Validation:
    """One suite run against one table, view or query."""

    suite_name: str
    check_name: str
    # A table or view (schema, name), or a SELECT query when `query` is set.
    schema: str | None = None
    table: str | None = None
    query: str | None = None
    # For a view over a raw table's latest load: the raw table it selects from.
    raw_table: str | None = None

    @property
    def data_asset_name(self) -> str:
        """Name of the GX data asset, unique within a gate."""
        return self.check_name


@dataclass(frozen=True)
class Gate:
    """The validations of one asset. Raw gates also name the object whose latest load they check."""

    asset_key: dg.AssetKey
    validations: tuple[Validation, ...]
    source: str | None = None
    object_name: str | None = None

    @property
    def is_raw(self) -> bool:
        return self.source is not None

    @property
    def table(self) -> str:
        """Return the asset's table name, the last part of its key."""
        return self.asset_key.path[-1]


def check_name_for(table: str) -> str:
    """Return the asset check name of the suite on `table`."""
    return f"gx_{table}"


def raw_gate(spec: ObjectSpec) -> Gate:
    """Build the gate of one raw object."""
    validations = [
        Validation(
            suite_name=raw_suite_name(table),
            check_name=check_name_for(table),
            schema=QUALITY_SCHEMA,
            table=latest_view_name(table),
            raw_table=table,
        )
        for table in spec.tables
    ]
    validations.append(
        Validation(
            suite_name=LOAD_VOLUME_SUITE,
            check_name=LOAD_VOLUME_CHECK,
            query=load_volume_query(spec.source, spec.name),
        )
    )
    return Gate(
        asset_key=dg.AssetKey(["raw", spec.table]),
        validations=tuple(validations),
        source=spec.source,
        object_name=spec.name,
    )


def mart_gate(suite_name: str) -> Gate:
    """Build the gate of a mart whose suite is named after its table ("schema.table")."""
    schema, _, table = suite_name.partition(".")
    validation = Validation(
        suite_name=suite_name,
        check_name=check_name_for(table),
        schema=schema,
        table=table,
    )
    return Gate(asset_key=dg.AssetKey([schema, table]), validations=(validation,))


RAW_GATES = tuple(raw_gate(spec) for spec in OBJECTS)
MART_GATES = tuple(
    mart_gate(name) for name in (marts.GL_LINES_SUITE, marts.EXCEPTIONS_SUITE, marts.SUMMARY_SUITE)
)
ALL_GATES = RAW_GATES + MART_GATES


def gate_for(asset_key: dg.AssetKey) -> Gate:
    """Return the gate of `asset_key`; raises KeyError when the asset has none."""
    for gate in ALL_GATES:
        if gate.asset_key == asset_key:
            return gate
    raise KeyError(f"No quality gate on asset {asset_key.to_user_string()}.")
