"""The ERP resource: which adapter posts journals, and how it retries."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import dagster as dg

from orchestration.posting.adapters import ErpAdapter, NetSuiteCsvAdapter, RestErpAdapter
from orchestration.posting.poster import RetryPolicy
from orchestration.posting.sandbox.server import DEFAULT_PORT, LISTEN_HOST

ERP_RESOURCE_KEY = "erp"
DEFAULT_ERP_URL = f"http://{LISTEN_HOST}:{DEFAULT_PORT}"


class ErpResource(dg.ConfigurableResource):
    """An ERP adapter: `rest` (the ERP sandbox's API by default) or `netsuite_csv`."""

    adapter: Literal["rest", "netsuite_csv"] = "rest"
    base_url: str = DEFAULT_ERP_URL
    timeout_seconds: float = 10.0
    # Folder that NetSuite CSV Import picks files up from; used by `netsuite_csv` only.
    drop_folder: str = ""
    max_attempts: int = 5
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0

    def build_adapter(self) -> ErpAdapter:
        """Return a new adapter; the caller closes it."""
        if self.adapter == "netsuite_csv":
            if not self.drop_folder:
                raise ValueError("Missing drop_folder for the netsuite_csv ERP adapter.")
            return NetSuiteCsvAdapter(Path(self.drop_folder))
        return RestErpAdapter(self.base_url, timeout_seconds=self.timeout_seconds)

    def retry_policy(self) -> RetryPolicy:
        """Return the backoff policy for transient ERP errors."""
        return RetryPolicy(self.max_attempts, self.base_delay_seconds, self.max_delay_seconds)


def erp_resource_from_environment(environ: Mapping[str, str] | None = None) -> ErpResource:
    """Build the resource from TIEOUT_ERP_ADAPTER, TIEOUT_ERP_URL, TIEOUT_ERP_DROP_FOLDER and
    TIEOUT_ERP_TIMEOUT_SECONDS, with the sandbox on its default port when they are unset."""
    environ = os.environ if environ is None else environ
    return ErpResource(
        adapter=environ.get("TIEOUT_ERP_ADAPTER", "rest"),
        base_url=environ.get("TIEOUT_ERP_URL", DEFAULT_ERP_URL),
        drop_folder=environ.get("TIEOUT_ERP_DROP_FOLDER", ""),
        timeout_seconds=float(environ.get("TIEOUT_ERP_TIMEOUT_SECONDS", "10")),
    )
