import dagster as dg

from orchestration.reconciliation.translator import TieoutDbtTranslator

TRANSLATOR = TieoutDbtTranslator()


def model(name: str, schema: str, folder: str, alias: str | None = None) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "alias": alias or name,
        "schema": schema,
        "fqn": ["tieout", folder, name],
        "meta": {},
        "config": {},
    }


def source(source_name: str, name: str, schema: str) -> dict:
    return {
        "resource_type": "source",
        "source_name": source_name,
        "name": name,
        "schema": schema,
        "fqn": ["tieout", "staging", source_name, name],
        "meta": {},
    }


def test_mart_key_is_schema_and_name():
    props = model("reconciliation_exceptions", "finance", "reconciliation")

    assert TRANSLATOR.get_asset_key(props) == dg.AssetKey(["finance", "reconciliation_exceptions"])


def test_aliased_model_key_uses_relation_name():
    props = model("canonical_subsidiaries", "canonical", "canonical", alias="subsidiaries")

    assert TRANSLATOR.get_asset_key(props) == dg.AssetKey(["canonical", "subsidiaries"])


def test_raw_source_key_matches_ingestion_asset():
    props = source("stripe", "invoice", "raw")

    assert TRANSLATOR.get_asset_key(props) == dg.AssetKey(["raw", "stripe__invoice"])


def test_raw_source_key_ignores_configured_schema():
    props = source("netsuite", "transaction_line", "fivetran_netsuite")

    assert TRANSLATOR.get_asset_key(props) == dg.AssetKey(["raw", "netsuite__transaction_line"])


def test_other_source_key_is_schema_and_table():
    props = source("posting", "posted_documents", "posting")

    assert TRANSLATOR.get_asset_key(props) == dg.AssetKey(["posting", "posted_documents"])


def test_groups_follow_model_folders():
    cases = {
        ("stg_stripe__invoices", "staging", "staging"): "staging",
        ("invoices", "canonical", "canonical"): "canonical",
        ("ar_tieout", "finance", "reconciliation"): "reconciliation",
        ("restated_after_signoff", "finance", "close"): "reconciliation",
        ("journal_proposal_lines", "posting", "posting"): "posting",
    }
    for (name, schema, folder), group in cases.items():
        assert TRANSLATOR.get_group_name(model(name, schema, folder)) == group, name


def test_seeds_join_staging_group():
    props = {
        "resource_type": "seed",
        "name": "product_mapping",
        "alias": "product_mapping",
        "schema": "staging",
        "fqn": ["tieout", "product_mapping"],
        "meta": {},
        "config": {},
    }

    assert TRANSLATOR.get_group_name(props) == "staging"
