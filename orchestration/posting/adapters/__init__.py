"""ERP adapters: one interface, `post(journal) -> ErpResult`, for every ERP."""

from orchestration.posting.adapters.base import (
    ErpAdapter,
    ErpError,
    ErpResult,
    PermanentErpError,
    TransientErpError,
)
from orchestration.posting.adapters.netsuite_csv import NetSuiteCsvAdapter
from orchestration.posting.adapters.rest import RestErpAdapter

__all__ = [
    "ErpAdapter",
    "ErpError",
    "ErpResult",
    "NetSuiteCsvAdapter",
    "PermanentErpError",
    "RestErpAdapter",
    "TransientErpError",
]
