"""Benchmark posting journal batches to the ERP sandbox, idempotency keys on.

Usage:
    python bench/posting.py                       # 5 runs of 100 batches x 21 lines
    python bench/posting.py --runs 3 --batches 100 --lines 51

Each run creates fresh approved batches, with one receivable line and `--lines - 1`
revenue lines each. It then posts them one after the other through the REST adapter, with
the same steps as a `post_journals_job` run: the advisory lock, the `posting` state and key
logged before the request, the sandbox's validation and idempotency check, and `posted`
with the posted_documents rows. The figure is journal lines posted per second, end to end.

The PostgreSQL server is TIEOUT_DATABASE_URL's, or an embedded one under a temporary
TIEOUT_HOME; the benchmark works in a database of its own and drops it at the end. The
sandbox runs in a subprocess on a free loopback port, with no faults injected.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for path in (REPO_ROOT, REPO_ROOT / "tests" / "integration"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

RESULTS = REPO_ROOT / "bench" / "RESULTS.md"
PERIODS = ("2026-02", "2026-03", "2026-04")
PERIOD_ENDS = {
    "2026-02": date(2026, 2, 28),
    "2026-03": date(2026, 3, 31),
    "2026-04": date(2026, 4, 30),
}


def make_proposals(run: int, batches: int, lines: int):
    """Build `batches` balanced proposals of `lines` lines each for run number `run`."""
    from orchestration.posting.batches import Proposal
    from orchestration.posting.journal import JournalLine

    proposals = {}
    for number in range(batches):
        period = PERIODS[number % len(PERIODS)]
        documents = [f"in_r{run}b{number}l{line}" for line in range(lines - 1)]
        revenue = [
            JournalLine(
                account="4000",
                debit=Decimal(0),
                credit=Decimal(f"{100 + line}.25"),
                memo=f"Revenue family {line}",
                class_=f"Family{line:03d}",
                tax_code="US_SAAS",
                source_documents=(document,),
                correlation_ids=(f"sf:800{line}|stripe:{document}",),
            )
            for line, document in enumerate(documents)
        ]
        total = sum((line.credit for line in revenue), Decimal(0))
        receivable = JournalLine(
            account="1200",
            debit=total,
            credit=Decimal(0),
            memo="Receivable",
            source_documents=tuple(documents),
            correlation_ids=tuple(cid for line in revenue for cid in line.correlation_ids),
        )
        proposal_id = f"JP-BENCH-{run}-{number:04d}"
        proposals[proposal_id] = Proposal(
            proposal_id=proposal_id,
            subsidiary_id=1,
            period=period,
            currency="USD",
            functional_currency="USD",
            exchange_rate=Decimal(1),
            journal_date=PERIOD_ENDS[period],
            lines=(receivable, *revenue),
            line_types=("receivable",) + ("revenue",) * len(revenue),
        )
    return proposals


def run_once(info, sandbox_url: str, run: int, batches: int, lines: int) -> float:
    """Create and approve one set of batches, post them all, and return the seconds taken."""
    import posting_support as support

    from orchestration.posting.adapters import RestErpAdapter
    from orchestration.posting.batches import sync_batches
    from orchestration.posting.dispatch import post_ready_batches
    from orchestration.posting.schema import ensure_posting_tables

    with support.connect(info) as connection:
        ensure_posting_tables(connection)
        sync_batches(connection, make_proposals(run, batches, lines))
    support.approve_all(info, "bench-approver")

    adapter = RestErpAdapter(sandbox_url, timeout_seconds=30)
    with support.connect(info) as connection:
        started = time.perf_counter()
        outcomes = post_ready_batches(connection, adapter)
        elapsed = time.perf_counter() - started
    adapter.close()

    states = {outcome.state for outcome in outcomes}
    if len(outcomes) != batches or states != {"posted"}:
        raise RuntimeError(f"Run {run}: expected {batches} posted batches, got {states}")
    return elapsed


def machine() -> str:
    """Describe the CPU and memory of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB memory"


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs; the median is reported")
    parser.add_argument("--batches", type=int, default=100, help="batches (journals) per run")
    parser.add_argument("--lines", type=int, default=21, help="lines per journal, at least 2")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    arguments = parser.parse_args()
    if arguments.lines < 2:
        parser.error("--lines must be at least 2")

    import posting_support as support

    from orchestration.database import ensure_database
    from orchestration.settings import load_settings

    home = Path(tempfile.mkdtemp(prefix="tieout-bench-"))
    environ = {**os.environ}
    environ.setdefault("TIEOUT_HOME", str(home))
    server = ensure_database(load_settings(environ))
    info = support.fresh_database(server, prefix="posting_bench")
    try:
        seed = support.write_netsuite_snapshot(home / "snapshots")
        with support.running_sandbox(info, seed, home) as sandbox:
            seconds = [
                run_once(info, sandbox.url, run, arguments.batches, arguments.lines)
                for run in range(arguments.runs)
            ]
    finally:
        support.drop_database(info)

    lines = arguments.batches * arguments.lines
    rates = sorted(lines / value for value in seconds)
    median = statistics.median(rates)
    print(
        f"{lines} lines per run, {arguments.runs} runs: median {median:,.0f} lines/s "
        f"(min {rates[0]:,.0f}, max {rates[-1]:,.0f}); "
        f"{median / arguments.lines:,.1f} journals/s"
    )

    if not arguments.no_record:
        command = "python bench/posting.py " + " ".join(sys.argv[1:])
        record(command.strip(), arguments, rates, seconds)


def record(command: str, arguments, rates: list[float], seconds: list[float]) -> None:
    """Append this run's figures to bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    median = statistics.median(rates)
    text = f"""
## Posting, {stamp}, commit {commit()}

- command: `{command}`
- work: {arguments.runs} runs of {arguments.batches} journals x {arguments.lines} lines, \
posted one after the other through the REST adapter to the ERP sandbox on 127.0.0.1, \
idempotency keys on, no faults
- machine: {machine()}; PostgreSQL and the sandbox on the same machine

| measure | median | min | max |
| --- | ---: | ---: | ---: |
| journal lines/s | {median:,.0f} | {rates[0]:,.0f} | {rates[-1]:,.0f} |
| journals/s | {median / arguments.lines:,.1f} | {rates[0] / arguments.lines:,.1f} | \
{rates[-1] / arguments.lines:,.1f} |
| seconds per run | {statistics.median(seconds):.2f} | {min(seconds):.2f} | {max(seconds):.2f} |
"""
    with RESULTS.open("a") as handle:
        handle.write(text)
    print(f"Appended to {RESULTS}")


if __name__ == "__main__":
    main()
