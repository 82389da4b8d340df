"""A local ERP for development and tests: a NetSuite-shaped ledger behind a REST API."""
