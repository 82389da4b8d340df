"""Start the sandbox without the `tieout` CLI: used by tests and benchmarks as a subprocess.

    python -m orchestration.posting.sandbox --database-url URL --port 8765 [--snapshot DIR]

Fault settings come from the TIEOUT_ERP_SANDBOX_* variables (see faults.py).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from orchestration.posting.sandbox.faults import FaultConfig
from orchestration.posting.sandbox.server import DEFAULT_PORT, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.posting.sandbox")
    parser.add_argument("--database-url", required=True, help="libpq URL of the warehouse")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1")
    parser.add_argument("--snapshot", type=Path, help="NetSuite snapshot to seed from")
    arguments = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(
        arguments.database_url,
        arguments.port,
        FaultConfig.from_environment(),
        arguments.snapshot,
    )


if __name__ == "__main__":
    main()
