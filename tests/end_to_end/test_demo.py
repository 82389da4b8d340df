"""`tieout demo` from an empty state folder: the whole pipeline through Dagster, twice."""

from __future__ import annotations

import csv
import os
import subprocess
import sysconfig
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.database import parse_database_url
from orchestration.settings import load_settings

pytestmark = [pytest.mark.end_to_end, pytest.mark.integration]

TIEOUT = Path(sysconfig.get_path("scripts")) / "tieout"
DEMO_TIMEOUT_SECONDS = 900


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run `tieout demo` once in a fresh state folder and database; yield what it left."""
    home = tmp_path_factory.mktemp("demo-home")
    environ = os.environ.copy()
    environ["TIEOUT_HOME"] = str(home)
    environ["DAGSTER_HOME"] = str(home / "dagster")
    for name in ("TIEOUT_SNAPSHOTS", "TIEOUT_DAGSTER_DATABASE_URL", "TIEOUT_ERP_URL"):
        environ.pop(name, None)

    external_url = environ.get("TIEOUT_DATABASE_URL")
    if external_url:
        info = parse_database_url(external_url)
        database = f"tieout_demo_{uuid.uuid4().hex[:8]}"
        environ["TIEOUT_DATABASE_URL"] = info.sqlalchemy_url("psycopg2", database)

    result = subprocess.run(
        [str(TIEOUT), "demo"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
        check=False,
    )
    settings = load_settings(environ)
    url = _warehouse_url(environ, settings)
    try:
        yield result, settings, url
    finally:
        _tear_down(environ, settings, url)


def _warehouse_url(environ: dict[str, str], settings) -> str:
    if settings.database_url:
        return parse_database_url(settings.database_url).libpq_url()
    port = (settings.home / "postgres" / "port").read_text().strip()
    return f"postgresql://postgres@127.0.0.1:{port}/tieout"


def _tear_down(environ: dict[str, str], settings, url: str) -> None:
    if settings.uses_embedded_database:
        subprocess.run([str(TIEOUT), "db", "down"], env=environ, check=False, timeout=120)
        return

    info = parse_database_url(url)
    with psycopg.connect(info.libpq_url("postgres"), autocommit=True) as connection:
        for name in (info.database, f"{info.database}_dagster"):
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def _answer_key(settings) -> set[tuple[str, str, str, str]]:
    with (settings.generated_dir / "answer_key.csv").open(newline="") as handle:
        return {
            (row["source_system"], row["object"], row["source_id"], row["reason_code"])
            for row in csv.DictReader(handle)
        }


def test_demo_exits_cleanly(demo_run):
    result, _settings, _url = demo_run

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Reconciliation exceptions" in result.stdout


def test_demo_posts_every_unposted_document(demo_run):
    _result, settings, url = demo_run
    unposted = {key for key in _answer_key(settings) if key[3] == "INVOICE_NOT_POSTED"}

    with psycopg.connect(url) as connection:
        posted = {
            row[0] for row in connection.execute("select document_id from posting.posted_documents")
        }
        states = dict(
            connection.execute("select state, count(*) from posting.batches group by state")
        )

    assert unposted, "the answer key has no INVOICE_NOT_POSTED rows"
    assert {key[2] for key in unposted} <= posted
    assert set(states) == {"posted"}


def test_demo_leaves_only_the_other_exceptions(demo_run):
    _result, settings, url = demo_run
    expected = {key for key in _answer_key(settings) if key[3] != "INVOICE_NOT_POSTED"}

    with psycopg.connect(url) as connection:
        actual = set(
            connection.execute(
                "select source_system, source_object, source_id, reason_code "
                "from finance.reconciliation_exceptions"
            ).fetchall()
        )

    assert actual - expected == set()
    assert expected - actual == set()


def test_demo_ingests_the_sandbox_export(demo_run):
    _result, _settings, url = demo_run

    with psycopg.connect(url) as connection:
        journals = connection.execute(
            "select count(*) from staging.stg_netsuite__transactions "
            "where transaction_type = 'Journal' and external_id like 'tieout-%'"
        ).fetchone()[0]
        netsuite_loads = connection.execute(
            "select count(distinct snapshot_at) from raw._loads "
            "where source = 'netsuite' and status = 'loaded'"
        ).fetchone()[0]

    assert journals >= 1
    assert netsuite_loads == 2


def test_demo_writes_report_and_passes_gates(demo_run):
    _result, settings, url = demo_run

    with psycopg.connect(url) as connection:
        failed = connection.execute(
            "select count(*) from quality.validation_results where not success"
        ).fetchone()[0]

    assert failed == 0
    assert list((settings.home / "reports").glob("close-*.html"))
