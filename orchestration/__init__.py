"""tieout: reconcile CRM, billing and general ledger data in a Dagster code location."""
