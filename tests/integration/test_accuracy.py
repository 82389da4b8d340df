"""Exceptions mart against the generator's answer key, for several generated companies.

Each seed gets a database of its own on the shared test server: the generated company
is loaded with the ingestion loader, its sign-offs with the close package, and the
dbt project is built. `finance.reconciliation_exceptions` must then hold exactly the
rows of `answer_key.csv`: every injected exception with its reason code and difference,
and nothing else.
"""

from __future__ import annotations

import csv
import os
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.close.signoff import load_signoffs_file
from orchestration.database import WAREHOUSE_SCHEMAS, ConnectionInfo
from orchestration.generator import generate
from orchestration.ingestion.objects import OBJECTS
from orchestration.ingestion.pending import load_pending_files
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.reconciliation.project import dbt_executable
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

SEEDS = (7, 11, 23)
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# Posting models read tables that the posting package creates at run time; the
# exceptions mart does not depend on them.
DBT_BUILD_ARGUMENTS = ("build", "--exclude", "path:models/posting")
DBT_TIMEOUT_SECONDS = 600

# A row's identity in the answer key and in the mart.
Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Expected:
    """An answer key row: the difference and the decimals it is stated to."""

    difference: Decimal
    decimals: int

    def matches(self, actual: Decimal) -> bool:
        """Whether `actual` rounds to the expected difference at its precision."""
        return round(actual, self.decimals) == round(self.difference, self.decimals)


@pytest.fixture
def seed_database(warehouse: ConnectionInfo) -> Iterator[ConnectionInfo]:
    """A fresh database with the warehouse schemas, dropped after the test."""
    name = f"tieout_accuracy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))

    info = ConnectionInfo(
        host=warehouse.host,
        port=warehouse.port,
        user=warehouse.user,
        password=warehouse.password,
        database=name,
        dagster_database=warehouse.dagster_database,
    )
    with psycopg.connect(info.libpq_url()) as connection:
        for schema in WAREHOUSE_SCHEMAS:
            connection.execute(
                sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
            )
    try:
        yield info
    finally:
        with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def load_company(info: ConnectionInfo, company_dir: Path, quarantine_dir: Path) -> None:
    """Load every snapshot file and the sign-offs of a generated company."""
    with psycopg.connect(info.libpq_url()) as connection:
        ensure_raw_schema(connection)
        for spec in OBJECTS:
            summary = load_pending_files(
                connection, spec, company_dir / "snapshots", quarantine_dir
            )
            rejected = [result for result in summary.results if result.status != "loaded"]
            assert rejected == [], f"{spec.table}: files not loaded: {rejected}"
        load_signoffs_file(connection, company_dir / "signoffs.csv")
        connection.commit()


def build_dbt(info: ConnectionInfo, target_dir: Path) -> None:
    """Run `dbt build` against the seed database; fail with dbt's output when it fails."""
    environment = {
        **os.environ,
        "TIEOUT_PG_HOST": info.host,
        "TIEOUT_PG_PORT": str(info.port),
        "TIEOUT_PG_USER": info.user,
        "TIEOUT_PG_PASSWORD": info.password,
        "TIEOUT_PG_DATABASE": info.database,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    completed = subprocess.run(
        [
            dbt_executable(),
            *DBT_BUILD_ARGUMENTS,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_dir / "target"),
            "--log-path",
            str(target_dir / "logs"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, f"dbt build failed:\n{completed.stdout[-6000:]}"


def read_answer_key(path: Path) -> dict[Key, Expected]:
    """Read answer_key.csv into expected differences by row identity."""
    expected = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["source_system"], row["object"], row["source_id"], row["reason_code"])
            text = row["expected_difference"]
            decimals = len(text.partition(".")[2])
            expected[key] = Expected(Decimal(text), decimals)
    return expected


def read_exceptions(info: ConnectionInfo) -> dict[Key, Decimal]:
    """Read the exceptions mart into differences by row identity."""
    with psycopg.connect(info.libpq_url()) as connection:
        rows = connection.execute(
            "select source_system, source_object, source_id, reason_code, difference"
            " from finance.reconciliation_exceptions"
        ).fetchall()
    return {(system, obj, source_id, reason): diff for system, obj, source_id, reason, diff in rows}


def accuracy_report(expected: dict[Key, Expected], actual: dict[Key, Decimal]) -> str:
    """Describe precision and recall per reason code and list the rows that differ."""
    found = {key for key in expected if key in actual and expected[key].matches(actual[key])}
    reasons = sorted({key[3] for key in expected} | {key[3] for key in actual})
    found_by_reason = Counter(key[3] for key in found)
    expected_by_reason = Counter(key[3] for key in expected)
    actual_by_reason = Counter(key[3] for key in actual)

    lines = [f"{'reason code':32} {'precision':>9} {'recall':>7}"]
    for reason in reasons:
        hits = found_by_reason[reason]
        precision = hits / actual_by_reason[reason] if actual_by_reason[reason] else 1.0
        recall = hits / expected_by_reason[reason] if expected_by_reason[reason] else 1.0
        lines.append(f"{reason:32} {precision:9.2f} {recall:7.2f}")

    for key in sorted(set(expected) - set(actual)):
        lines.append(f"missing:    {key} expected {expected[key].difference}")
    for key in sorted(set(actual) - set(expected)):
        lines.append(f"unexpected: {key} difference {actual[key]}")
    for key in sorted(set(expected) & set(actual) - found):
        lines.append(
            f"wrong difference: {key} expected {expected[key].difference}, got {actual[key]}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("seed", SEEDS)
def test_exceptions_match_answer_key(seed: int, seed_database: ConnectionInfo, tmp_path: Path):
    company_dir = generate(tmp_path / "company", seed=seed)
    load_company(seed_database, company_dir, tmp_path / "quarantine")
    build_dbt(seed_database, tmp_path / "dbt")

    expected = read_answer_key(company_dir / "answer_key.csv")
    actual = read_exceptions(seed_database)
    report = accuracy_report(expected, actual)

    print(report)
    assert expected, "the answer key is empty"
    assert set(actual) - set(expected) == set(), report
    assert set(expected) - set(actual) == set(), report
    assert all(expected[key].matches(actual[key]) for key in expected), report
