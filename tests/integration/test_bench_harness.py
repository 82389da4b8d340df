"""The ingestion benchmark's harness runs on a tiny synthetic set; no timing is checked."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import ingestion  # noqa: E402 - bench/ is not a package
import pipeline  # noqa: E402

pytestmark = pytest.mark.integration


def test_partition_keeps_objects_together(tmp_path):
    ingestion.write_synthetic(tmp_path, 50)
    later = tmp_path / "stripe" / "2026-12-02T06-00-00Z"
    later.mkdir()
    (later / "invoice.jsonl").write_bytes(b"")
    files = ingestion.find_files(tmp_path)

    parts = ingestion.partition(files, 2)

    names = [[path.name for _, path, _ in part] for part in parts]
    assert sorted(name for part in names for name in part) == sorted(p.name for _, p, _ in files)
    invoice_part = next(
        part for part in parts if any(p.name == "invoice.jsonl" for _, p, _ in part)
    )
    invoices = [path for _, path, _ in invoice_part if path.name == "invoice.jsonl"]
    assert len(invoices) == 2
    assert invoices == sorted(invoices)


def test_benchmark_runs_every_method(warehouse, tmp_path):
    ingestion.write_synthetic(tmp_path, 200)

    summaries, data = ingestion.run_benchmark(tmp_path, ["tieout", "tieout-2p", "copy"], 1)

    assert data.startswith("2 files")
    by_method = {summary["method"]: summary for summary in summaries}
    assert by_method["tieout"]["records"] == 400
    assert by_method["tieout"]["child_rows"] == 400
    assert by_method["tieout-2p"]["records"] == 400
    assert by_method["copy"]["records"] == 400
    table = ingestion.format_table(summaries)
    assert "| tieout-2p | 400 | 400 |" in table
    assert "| copy | 400 | 0 |" in table


def test_layer_times_group_by_folder():
    manifest = {
        "nodes": {
            "model.tieout.stg_a": {"original_file_path": "models/staging/stripe/stg_a.sql"},
            "test.tieout.unique_a": {"original_file_path": "models/staging/stripe/_models.yml"},
            "model.tieout.invoices": {"original_file_path": "models/canonical/invoices.sql"},
            "seed.tieout.currencies": {"original_file_path": "seeds/currencies.csv"},
        }
    }
    run_results = {
        "results": [
            {"unique_id": "model.tieout.stg_a", "execution_time": 1.5},
            {"unique_id": "test.tieout.unique_a", "execution_time": 0.5},
            {"unique_id": "model.tieout.invoices", "execution_time": 2.0},
            {"unique_id": "seed.tieout.currencies", "execution_time": 0.25},
        ]
    }

    times = pipeline.layer_times(run_results, manifest)

    assert times["staging"] == {"model": 1.5, "test": 0.5}
    assert times["canonical"] == {"model": 2.0}
    assert times["other"] == {"seed": 0.25}


def test_then_runs_on_each_loaded_database(warehouse, tmp_path):
    ingestion.write_synthetic(tmp_path, 20)

    def count_invoices(url: str, result: dict) -> int:
        with psycopg.connect(url) as connection:
            return connection.execute("select count(*) from raw.stripe__invoice").fetchone()[0]

    summaries, _ = ingestion.run_benchmark(tmp_path, ["tieout"], 2, {"tieout": count_invoices})

    assert summaries[0]["then"] == [20, 20]


def test_model_path_sums_upstream_models():
    def model(*parents: str) -> dict:
        return {"depends_on": {"nodes": [f"model.tieout.{name}" for name in parents]}}

    manifest = {
        "metadata": {"project_name": "tieout"},
        "nodes": {
            "model.tieout.stg_a": model(),
            "model.tieout.stg_b": model(),
            "model.tieout.canonical_a": model("stg_a"),
            "model.tieout.exceptions": model("canonical_a", "stg_a"),
            "model.tieout.unrelated": model("stg_b"),
        },
    }
    run_results = {
        "results": [
            {"unique_id": "model.tieout.stg_a", "execution_time": 1.0},
            {"unique_id": "model.tieout.stg_b", "execution_time": 2.0},
            {"unique_id": "model.tieout.canonical_a", "execution_time": 4.0},
            {"unique_id": "model.tieout.exceptions", "execution_time": 8.0},
            {"unique_id": "model.tieout.unrelated", "execution_time": 16.0},
            {"unique_id": "test.tieout.unique_exceptions_id", "execution_time": 32.0},
        ]
    }

    assert pipeline.model_path_seconds(run_results, manifest, "exceptions") == 13.0
