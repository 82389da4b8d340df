import dagster as dg
import pytest

from orchestration.definitions import PACKAGE_MODULES, defs, load_package_definitions

pytestmark = pytest.mark.end_to_end

# Group names the assets may use: one per layer of the flow, and per source in ingestion.
KNOWN_GROUP_PREFIXES = (
    "raw",
    "ingestion",
    "staging",
    "canonical",
    "reconciliation",
    "finance",
    "quality",
    "posting",
)


def test_definitions_resolve():
    repository = defs.get_repository_def()

    assert repository is not None
    dg.Definitions.validate_loadable(defs)


def test_warehouse_resource_is_bound():
    assert "warehouse" in defs.resources


def test_every_existing_package_is_loaded():
    loaded = load_package_definitions()

    assert len(loaded) <= len(PACKAGE_MODULES)
    assert all(isinstance(package_defs, dg.Definitions) for package_defs in loaded)


def test_asset_groups_are_known():
    specs = defs.resolve_all_asset_specs()

    unknown = {
        spec.key.to_user_string(): spec.group_name
        for spec in specs
        if not (spec.group_name or "").startswith(KNOWN_GROUP_PREFIXES)
    }
    assert unknown == {}


def test_missing_module_is_skipped():
    assert load_package_definitions(("orchestration.no_such_package.definitions",)) == []


def test_every_asset_has_owner_and_description():
    specs = defs.resolve_all_asset_specs()
    materializable = [spec for spec in specs if defs.resolve_assets_def(spec.key).is_materializable]

    without_owner = [spec.key.to_user_string() for spec in materializable if not spec.owners]
    without_description = [
        spec.key.to_user_string() for spec in materializable if not spec.description
    ]
    assert materializable
    assert without_owner == []
    assert without_description == []
