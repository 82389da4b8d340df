"""The raw assets load new snapshot files, and the sensor requests runs for new folders."""

from __future__ import annotations

import json

import dagster as dg
import psycopg
import pytest

from orchestration.ingestion.assets import QUARANTINE_CHECK, RAW_ASSETS
from orchestration.ingestion.definitions import defs
from orchestration.ingestion.sensors import snapshot_sensor
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.integration

NETSUITE_ASSETS = [a for a in RAW_ASSETS if a.key.path[1].startswith("netsuite__")]


@pytest.fixture
def snapshot_root(tmp_path, monkeypatch, warehouse):
    root = tmp_path / "snapshots"
    monkeypatch.setenv("TIEOUT_SNAPSHOTS", str(root))
    return root


def write_snapshot(root, folder: str, tag: str, *, bad: bool = False) -> None:
    path = root / "netsuite" / folder
    path.mkdir(parents=True)
    (path / "subsidiary.csv").write_text(
        f"id,name,currency,_fivetran_synced\n1,{tag},1,2022-05-27 13:41:13\n"
    )
    currency = "id,name,symbol\n1,US Dollar,USD\n" if not bad else "id;name;symbol\n1;US;USD\n"
    (path / "currency.csv").write_text(currency)


def materialize(warehouse, raise_on_error: bool = True):
    resources = {"warehouse": WarehouseResource(url=warehouse.sqlalchemy_url("psycopg"))}
    return dg.materialize(NETSUITE_ASSETS, resources=resources, raise_on_error=raise_on_error)


def metadata_of(result, table: str) -> dict:
    events = result.asset_materializations_for_node(table)
    assert len(events) == 1
    return {key: value.value for key, value in events[0].metadata.items()}


def test_definitions_names():
    keys = {key.to_user_string() for asset in defs.assets for key in asset.keys}
    assert "raw/stripe__invoice" in keys
    assert "raw/salesforce__opportunity_line_item" in keys
    assert len(keys) == 25
    assert [job.name for job in defs.jobs] == ["ingestion_job"]
    assert [sensor.name for sensor in defs.sensors] == ["snapshot_sensor"]
    groups = {a.group_names_by_key[a.key] for a in RAW_ASSETS}
    assert groups == {"raw_salesforce", "raw_stripe", "raw_netsuite"}


def test_assets_load_new_files_once(warehouse, snapshot_root, tmp_path):
    write_snapshot(snapshot_root, "2026-12-01T06-00-00Z", tmp_path.name)

    first = materialize(warehouse)
    second = materialize(warehouse)

    subsidiary = metadata_of(first, "raw__netsuite__subsidiary")
    assert subsidiary["rows_loaded"] == 1
    assert subsidiary["files_loaded"] == 1
    assert list(subsidiary["schema_drift"].values()) == [["_fivetran_synced"]]
    assert metadata_of(second, "raw__netsuite__subsidiary")["files_loaded"] == 0
    load_id = subsidiary["load_ids"][0]
    with psycopg.connect(warehouse.libpq_url()) as connection:
        name = connection.execute(
            "select name from raw.netsuite__subsidiary where _load_id = %s", (load_id,)
        ).fetchone()[0]
    assert name == tmp_path.name


def test_quarantine_materializes_and_fails_check(warehouse, snapshot_root, tmp_path):
    write_snapshot(snapshot_root, "2026-12-01T06-00-00Z", tmp_path.name, bad=True)

    result = materialize(warehouse, raise_on_error=False)

    currency = metadata_of(result, "raw__netsuite__currency")
    checks = {
        evaluation.asset_key.to_user_string(): evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name == QUARANTINE_CHECK
    }
    assert not result.success
    assert checks["raw/netsuite__currency"].passed is False
    assert "currency.csv:1" in str(checks["raw/netsuite__currency"].metadata["errors"].value)
    assert checks["raw/netsuite__account"].passed is True
    assert currency["files_quarantined"] == 1
    assert currency["quarantined"][0]["reason"] == "wrong_delimiter"
    assert "currency.csv:1" in currency["quarantined"][0]["error"]


def test_sensor_requests_only_new_folders(snapshot_root, tmp_path):
    write_snapshot(snapshot_root, "2026-12-01T06-00-00Z", tmp_path.name)
    (snapshot_root / "stripe" / "2026-12-01T06-00-00Z").mkdir(parents=True)
    (snapshot_root / "stripe" / "bad-name").mkdir()

    first = snapshot_sensor(dg.build_sensor_context(cursor=None))
    repeat = snapshot_sensor(dg.build_sensor_context(cursor=first.cursor))
    write_snapshot(snapshot_root, "2026-12-02T06-00-00Z", tmp_path.name)
    later = snapshot_sensor(dg.build_sensor_context(cursor=first.cursor))

    assert [request.tags["tieout/source"] for request in first.run_requests] == [
        "netsuite",
        "stripe",
    ]
    assert json.loads(first.cursor) == [
        "netsuite/2026-12-01T06-00-00Z",
        "stripe/2026-12-01T06-00-00Z",
    ]
    assert isinstance(repeat, dg.SkipReason)
    assert [request.run_key for request in later.run_requests] == ["netsuite/2026-12-02T06-00-00Z"]
    assert all(
        key.path[1].startswith("netsuite__") for key in later.run_requests[0].asset_selection
    )
