"""Owners shown on every asset in the Dagster UI, so a person knows whom to ask.

Data engineering owns getting the data in and shaping it; finance operations owns the
reconciliation marts and the journals built from them.
"""

DATA_ENGINEERING = "team:data-engineering"
FINANCE_OPERATIONS = "team:finance-operations"
