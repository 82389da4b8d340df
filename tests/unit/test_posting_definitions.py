"""The posting package's Dagster definitions: names other code and people rely on."""

import dagster as dg

from orchestration.posting.definitions import defs as posting_defs
from orchestration.resources import WarehouseResource

BATCHES_KEY = dg.AssetKey(["posting", "journal_batches"])

# The code location binds "warehouse" once for every package; the tests bind a stand-in.
defs = dg.Definitions.merge(
    posting_defs,
    dg.Definitions(resources={"warehouse": WarehouseResource(url="postgresql://u@localhost/db")}),
)


def test_journal_batches_asset_key_and_group():
    asset = defs.resolve_assets_def(BATCHES_KEY)

    assert asset.group_names_by_key[BATCHES_KEY] == "posting"
    assert dg.AssetKey(["posting", "journal_proposal_lines"]) in asset.asset_deps[BATCHES_KEY]


def test_posting_job_and_sensor_names():
    sensor = defs.resolve_sensor_def("approved_batches_sensor")

    assert defs.resolve_job_def("post_journals_job").name == "post_journals_job"
    assert sensor.job_name == "post_journals_job"


def test_erp_resource_is_bound():
    assert "erp" in posting_defs.resources
