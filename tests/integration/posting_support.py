"""Helpers for the posting integration tests: databases, a NetSuite snapshot, dbt, the sandbox.

Each test gets its own database on the session's PostgreSQL server, so the posting and
erp_sandbox schemas start empty.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from orchestration.database import ConnectionInfo

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
SNAPSHOT_TIME = "2026-04-01T06-00-00Z"
SANDBOX_START_SECONDS = 30

# Accounting periods of the test ledger; January is closed.
PERIODS = [("2026-01", True), ("2026-02", False), ("2026-03", False), ("2026-04", False)]
MONTH_NAMES = {"01": "Jan", "02": "Feb", "03": "Mar", "04": "Apr"}


def fresh_database(info: ConnectionInfo, prefix: str = "posting_test") -> ConnectionInfo:
    """Create an empty database on the server and return its connection details."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(info.libpq_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return dataclasses.replace(info, database=name)


def drop_database(info: ConnectionInfo) -> None:
    """Drop a database made by `fresh_database` and its Dagster twin, if a CLI created one."""
    with psycopg.connect(info.libpq_url("postgres"), autocommit=True) as connection:
        connection.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(info.database))
        )


def connect(info: ConnectionInfo) -> psycopg.Connection:
    """Open an autocommit connection to the test database."""
    return psycopg.connect(info.libpq_url(), autocommit=True)


# --- NetSuite snapshot ------------------------------------------------------------


def _seed(name: str) -> list[dict[str, str]]:
    with (DBT_PROJECT / "seeds" / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def account_ids() -> dict[str, str]:
    """Map each GL account number of the seed to the internal id the snapshot gives it."""
    return {row["account_number"]: str(i) for i, row in enumerate(_seed("gl_accounts.csv"), 10)}


def write_netsuite_snapshot(root: Path) -> Path:
    """Write a small NetSuite snapshot under `root/netsuite/<time>/` and return its folder.

    Subsidiaries, currencies and accounts follow the dbt seeds; periods run from January
    to April 2026 with January closed; one customer invoice is already posted.
    """
    folder = root / "netsuite" / SNAPSHOT_TIME
    folder.mkdir(parents=True)
    currencies = {row["currency_code"]: row for row in _seed("currencies.csv")}

    _write(
        folder / "subsidiary.csv",
        ["id", "name", "country", "currency", "parent", "iselimination", "isinactive"],
        [
            [
                row["subsidiary_id"],
                row["subsidiary_name"],
                row["country"],
                currencies[row["functional_currency"]]["netsuite_currency_id"],
                "" if row["subsidiary_id"] == "1" else "1",
                "F",
                "F",
            ]
            for row in _seed("subsidiaries.csv")
        ],
    )
    _write(
        folder / "currency.csv",
        ["id", "name", "symbol", "currencyprecision", "isbasecurrency", "isinactive"],
        [
            [
                row["netsuite_currency_id"],
                row["currency_name"],
                code,
                row["minor_unit"],
                "T" if code == "USD" else "F",
                "F",
            ]
            for code, row in currencies.items()
        ],
    )
    _write(
        folder / "account.csv",
        ["id", "acctnumber", "accountsearchdisplayname", "accttype", "isinactive", "issummary"],
        [
            [
                account_ids()[row["account_number"]],
                row["account_number"],
                row["account_name"],
                row["account_type"],
                "F",
                "F",
            ]
            for row in _seed("gl_accounts.csv")
        ],
    )
    period_rows = []
    for number, (label, closed) in enumerate(PERIODS, start=1):
        year, month = label.split("-")
        end_day = {"01": 31, "02": 28, "03": 31, "04": 30}[month]
        period_rows.append(
            [
                str(number),
                f"{MONTH_NAMES[month]} {year}",
                f"{label}-01",
                f"{label}-{end_day}",
                "T",
                "F",
                "F",
                "T" if closed else "F",
                "T" if closed else "F",
                "T" if closed else "F",
            ]
        )
    # A quarter spans the same dates as its months and must never be chosen for posting.
    period_rows.append(["90", "Q1 2026", "2026-01-01", "2026-03-31", "F", "T", "F", "F", "F", "F"])
    _write(
        folder / "accountingperiod.csv",
        [
            "id",
            "periodname",
            "startdate",
            "enddate",
            "isposting",
            "isquarter",
            "isyear",
            "closed",
            "arlocked",
            "alllocked",
        ],
        period_rows,
    )
    _write(
        folder / "consolidatedexchangerate.csv",
        [
            "id",
            "postingperiod",
            "fromcurrency",
            "tocurrency",
            "fromsubsidiary",
            "tosubsidiary",
            "averagerate",
            "currentrate",
            "historicalrate",
        ],
        [["1", "3", "3", "2", "3", "2", "0.85", "0.86", "0.84"]],
    )
    _write(
        folder / "customer.csv",
        [
            "id",
            "entityid",
            "companyname",
            "externalid",
            "subsidiary",
            "currency",
            "parent",
            "billcountry",
            "isinactive",
            "lastmodifieddate",
        ],
        [
            [
                "501",
                "C501",
                "Acme",
                "001000000000001AAA",
                "1",
                "1",
                "",
                "US",
                "F",
                "2026-02-01T00:00:00Z",
            ]
        ],
    )
    _write(
        folder / "transaction.csv",
        [
            "id",
            "tranid",
            "type",
            "trandate",
            "postingperiod",
            "subsidiary",
            "entity",
            "currency",
            "exchangerate",
            "foreigntotal",
            "externalid",
            "memo",
            "status",
            "voided",
            "reversal",
            "createddate",
            "lastmodifieddate",
        ],
        [
            [
                "7001",
                "INV7001",
                "CustInvc",
                "2026-02-10",
                "2",
                "1",
                "501",
                "1",
                "1",
                "100.00",
                "in_existing",
                "",
                "A",
                "F",
                "",
                "2026-02-10T10:00:00Z",
                "2026-02-10T10:00:00Z",
            ]
        ],
    )
    _write(
        folder / "transactionline.csv",
        [
            "transaction",
            "id",
            "mainline",
            "subsidiary",
            "account",
            "item",
            "class",
            "department",
            "location",
            "taxcode",
            "entity",
            "memo",
            "debitforeignamount",
            "creditforeignamount",
            "debit",
            "credit",
        ],
        [
            [
                "7001",
                "0",
                "T",
                "1",
                account_ids()["1200"],
                "",
                "",
                "",
                "",
                "",
                "501",
                "",
                "100.00",
                "",
                "100.00",
                "",
            ],
            [
                "7001",
                "1",
                "F",
                "1",
                account_ids()["4000"],
                "",
                "Subscription",
                "",
                "",
                "US_SAAS",
                "501",
                "",
                "",
                "100.00",
                "",
                "100.00",
            ],
        ],
    )
    return folder


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


# --- Proposal inputs and dbt ---------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A billing document with an INVOICE_NOT_POSTED exception, and its lines."""

    document_id: str
    subsidiary_id: int
    period: str
    currency: str
    lines: tuple[tuple[str, str, str, str], ...]  # (amount, family, account, tax code)
    contract_id: str | None = None

    @property
    def document_type(self) -> str:
        return "credit_note" if self.document_id.startswith("cn_") else "invoice"


def create_proposal_inputs(info: ConnectionInfo, documents: list[Document]) -> None:
    """Create the hand-made upstream tables the test dbt project reads, in schema fixture."""
    with connect(info) as connection:
        connection.execute("drop schema if exists fixture cascade")
        connection.execute("create schema fixture")
        connection.execute(
            """
            create table fixture.reconciliation_exceptions (
                exception_id text, reason_code text, pair text, severity text,
                subsidiary_id integer, period text, customer_id text, source_system text,
                source_object text, source_id text, transaction_currency text,
                left_amount numeric, right_amount numeric, difference numeric
            )
            """
        )
        connection.execute(
            """
            create table fixture.billing_document_lines (
                document_id text, document_type text, line_id text, subsidiary_id integer,
                customer_id text, currency text, amount numeric, product_id text,
                product_family text, revenue_account_number text, tax_code text,
                document_date date, period text, salesforce_contract_id text
            )
            """
        )
        connection.execute(
            """
            create table fixture.fx_rates (
                period text, from_currency text, to_currency text, average_rate numeric
            )
            """
        )
        # Identity rates for every currency and period, and EUR to GBP for March.
        connection.execute(
            """
            insert into fixture.fx_rates
            select period, code, code, 1
            from unnest(array['2026-01', '2026-02', '2026-03', '2026-04']) as period
            cross join unnest(array['USD', 'GBP', 'EUR']) as code
            union all
            select '2026-03', 'EUR', 'GBP', 0.85
            """
        )
        counter = itertools.count(1)
        for document in documents:
            total = sum(float(line[0]) for line in document.lines)
            connection.execute(
                """
                insert into fixture.reconciliation_exceptions values
                    (%s, 'INVOICE_NOT_POSTED', 'billing-GL', 'high', %s, %s, 'cus_1', 'stripe',
                     %s, %s, %s, %s, 0, %s)
                """,
                (
                    f"ex_{document.document_id}",
                    document.subsidiary_id,
                    document.period,
                    document.document_type,
                    document.document_id,
                    document.currency,
                    total,
                    -total,
                ),
            )
            for amount, family, account, tax_code in document.lines:
                connection.execute(
                    """
                    insert into fixture.billing_document_lines values
                        (%s, %s, %s, %s, 'cus_1', %s, %s, 'prod_1', %s, %s, %s,
                         (%s || '-15')::date, %s, %s)
                    """,
                    (
                        document.document_id,
                        document.document_type,
                        f"il_{next(counter)}",
                        document.subsidiary_id,
                        document.currency.lower(),
                        amount,
                        family,
                        account,
                        tax_code,
                        document.period,
                        document.period,
                        document.contract_id,
                    ),
                )


STUB_MODELS = {
    "reconciliation_exceptions": "finance",
    "billing_document_lines": "canonical",
    "fx_rates": "canonical",
}


def make_dbt_project(target: Path) -> Path:
    """Copy the posting models into a dbt project whose upstream models read `fixture`.

    The real upstream models (reconciliation, canonical) are replaced by views over the
    hand-made tables, so the test exercises the posting SQL, its YAML tests and the
    balance test on known input.
    """
    project = target / "dbt_project"
    (project / "models").mkdir(parents=True)
    shutil.copytree(DBT_PROJECT / "macros", project / "macros")
    shutil.copytree(DBT_PROJECT / "models" / "posting", project / "models" / "posting")
    shutil.copytree(DBT_PROJECT / "tests" / "posting", project / "tests" / "posting")
    (project / "seeds").mkdir()
    for seed in ("gl_accounts.csv", "subsidiaries.csv"):
        shutil.copy(DBT_PROJECT / "seeds" / seed, project / "seeds" / seed)
    shutil.copy(DBT_PROJECT / "profiles.yml", project / "profiles.yml")

    stubs = project / "models" / "stubs"
    stubs.mkdir()
    for name, schema in STUB_MODELS.items():
        (stubs / f"{name}.sql").write_text(
            f"{{{{ config(materialized='view', schema='{schema}') }}}}\n"
            f"select * from fixture.{name}\n"
        )
    # The proposals depend on the summary mart only for ordering, so an empty view will do.
    (stubs / "reconciliation_summary.sql").write_text(
        "{{ config(materialized='view', schema='finance') }}\nselect 1 as placeholder where false\n"
    )
    (project / "dbt_project.yml").write_text(
        "name: tieout\nversion: '0.1.0'\nprofile: tieout\nconfig-version: 2\n"
        "model-paths: ['models']\nseed-paths: ['seeds']\nmacro-paths: ['macros']\n"
        "test-paths: ['tests']\n"
        "seeds:\n  tieout:\n    +schema: seeds\n"
    )
    return project


def run_dbt_build(info: ConnectionInfo, project: Path) -> subprocess.CompletedProcess:
    """Run `dbt build` for the proposal model and everything it reads, against `info`."""
    environ = {
        **os.environ,
        "TIEOUT_PG_HOST": info.host,
        "TIEOUT_PG_PORT": str(info.port),
        "TIEOUT_PG_USER": info.user,
        "TIEOUT_PG_PASSWORD": info.password,
        "TIEOUT_PG_DATABASE": info.database,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            "build",
            "--select",
            "+journal_proposal_lines+",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(project / "target"),
            "--log-path",
            str(project / "logs"),
        ],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- ERP sandbox -------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Sandbox:
    """A running ERP sandbox subprocess."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def set_faults(self, **faults) -> None:
        response = httpx.put(f"{self.url}/admin/faults", json=faults, timeout=10)
        response.raise_for_status()

    def faults(self) -> dict:
        response = httpx.get(f"{self.url}/admin/faults", timeout=10)
        response.raise_for_status()
        return response.json()

    def journals(self) -> list[dict]:
        response = httpx.get(f"{self.url}/journals", timeout=10)
        response.raise_for_status()
        return response.json()

    def export(self, snapshot_root: Path) -> Path:
        response = httpx.post(
            f"{self.url}/admin/export", json={"snapshot_root": str(snapshot_root)}, timeout=30
        )
        response.raise_for_status()
        return Path(response.json()["path"])


@contextlib.contextmanager
def running_sandbox(info: ConnectionInfo, snapshot: Path, log_dir: Path) -> Iterator[Sandbox]:
    """Start the sandbox on a free loopback port, seeded from `snapshot`; stop it after."""
    port = free_port()
    log_path = log_dir / f"erp-sandbox-{port}.log"
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith("TIEOUT_ERP_SANDBOX_")
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orchestration.posting.sandbox",
                "--database-url",
                info.libpq_url(),
                "--port",
                str(port),
                "--snapshot",
                str(snapshot),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=REPO_ROOT,
        )
    sandbox = Sandbox(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_healthy(sandbox)
        yield sandbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(sandbox: Sandbox) -> None:
    deadline = time.monotonic() + SANDBOX_START_SECONDS
    while time.monotonic() < deadline:
        if sandbox.process.poll() is not None:
            raise RuntimeError(
                f"ERP sandbox exited with {sandbox.process.returncode}:\n"
                + sandbox.log_path.read_text()
            )
        try:
            if httpx.get(f"{sandbox.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"ERP sandbox not healthy after {SANDBOX_START_SECONDS} s:\n" + sandbox.log_path.read_text()
    )


# --- Batches ---------------------------------------------------------------------------


def build_batches(info: ConnectionInfo, work_dir: Path, documents: list[Document]) -> list[str]:
    """Build the proposals with dbt from `documents`, sync batches and return their ids."""
    from orchestration.posting.batches import read_proposals, sync_batches
    from orchestration.posting.schema import ensure_posting_tables

    create_proposal_inputs(info, documents)
    result = run_dbt_build(info, make_dbt_project(work_dir))
    assert result.returncode == 0, result.stdout[-4000:]

    with connect(info) as connection:
        ensure_posting_tables(connection)
        sync_batches(connection, read_proposals(connection))
        rows = connection.execute("select batch_id from posting.batches order by batch_id")
        return [row[0] for row in rows.fetchall()]


def approve_all(info: ConnectionInfo, approver: str = "alice") -> list[str]:
    """Approve every proposed batch as `approver` and return the batch ids."""
    from orchestration.posting.approvals import approve_batch

    with connect(info) as connection:
        rows = connection.execute(
            "select batch_id from posting.batches where state = 'proposed' order by batch_id"
        ).fetchall()
        for (batch_id,) in rows:
            approve_batch(connection, batch_id, approver)
    return [row[0] for row in rows]


def batch_states(info: ConnectionInfo) -> dict[str, str]:
    """Return each batch's state by batch id."""
    with connect(info) as connection:
        return dict(connection.execute("select batch_id, state from posting.batches").fetchall())


def sandbox_journal_keys(info: ConnectionInfo) -> list[str]:
    """Return the externalid of every Journal in the sandbox ledger, sorted (duplicates kept)."""
    with connect(info) as connection:
        rows = connection.execute(
            """
            select externalid from erp_sandbox.transaction
            where type = 'Journal' and externalid like 'tieout-%'
            order by externalid
            """
        ).fetchall()
    return [row[0] for row in rows]


def many_documents() -> list[Document]:
    """Documents for eight proposals over three subsidiaries, periods and currencies."""
    combos = [
        (1, "2026-02", "USD"),
        (1, "2026-03", "USD"),
        (1, "2026-04", "USD"),
        (2, "2026-03", "GBP"),
        (2, "2026-03", "EUR"),
        (3, "2026-02", "EUR"),
        (3, "2026-03", "EUR"),
        (3, "2026-04", "EUR"),
    ]
    documents = []
    for number, (subsidiary, period, currency) in enumerate(combos, start=1):
        tax = {1: "US_SAAS", 2: "GB_STANDARD", 3: "DE_STANDARD"}[subsidiary]
        documents.append(
            Document(
                f"in_{number:03d}a",
                subsidiary,
                period,
                currency,
                (
                    (f"{100 + number}.00", "Subscription", "4000", tax),
                    (f"{number}.50", "Usage", "4100", tax),
                ),
                f"800{number:03d}",
            )
        )
        documents.append(
            Document(
                f"cn_{number:03d}b",
                subsidiary,
                period,
                currency,
                (("-10.00", "Subscription", "4000", tax),),
            )
        )
        documents.append(
            Document(
                f"in_{number:03d}c",
                subsidiary,
                period,
                currency,
                (("250.00", "Services", "4200", tax),),
                f"801{number:03d}",
            )
        )
    return documents


def record_mart_gates(info: ConnectionInfo, success: bool) -> None:
    """Store one validation result per finance-mart gate, as a quality run would."""
    from psycopg.types.json import Jsonb

    from orchestration.quality.gates import MART_GATES
    from orchestration.quality.results import INSERT_SQL, ensure_results_table

    with connect(info) as connection:
        connection.execute("create schema if not exists quality")
        ensure_results_table(connection)
        for gate in MART_GATES:
            key = gate.asset_key.to_user_string()
            connection.execute(
                INSERT_SQL,
                ("test-run", key, key, "gx_test", success, Jsonb({}), Jsonb({})),
            )
        connection.commit()


def evaluate_sensor(info: ConnectionInfo, instance=None, gates_passed: bool = True) -> list:
    """Evaluate approved_batches_sensor once against `info` and return what it yielded.

    The sensor posts only after the finance-mart gates passed, so the gate results are
    recorded first: passing unless `gates_passed` is False.
    """
    import dagster as dg

    from orchestration.posting.sensors import approved_batches_sensor
    from orchestration.resources import WarehouseResource

    record_mart_gates(info, gates_passed)
    resource = WarehouseResource(url=info.sqlalchemy_url("psycopg"))
    # The context owns the resources it builds, so it is closed when the block ends.
    with dg.build_sensor_context(instance=instance, resources={"warehouse": resource}) as context:
        return list(approved_batches_sensor(context))
