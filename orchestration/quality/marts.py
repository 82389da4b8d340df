"""Suites of the finance marts and the canonical GL lines, written against their agreed columns.

Each mart is validated as a whole table. Invariants that span rows or columns are
`UnexpectedRowsExpectation`s whose query returns the offending rows, so a failure shows
the rows themselves.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from orchestration.reason_codes import REASON_CODES

EXCEPTIONS_SUITE = "finance.reconciliation_exceptions"
SUMMARY_SUITE = "finance.reconciliation_summary"
GL_LINES_SUITE = "canonical.gl_lines"

# Columns of the finance marts, as their enforced dbt contracts name them.
REASON_CODE = "reason_code"
SUBSIDIARY = "subsidiary_id"
PERIOD = "period"
MATCHED_COUNT = "matched_count"
UNMATCHED_COUNT = "unmatched_count"
TOTAL_COUNT = "total_count"
GL_TRANSACTION = "transaction_id"
# A NetSuite transaction has one transaction currency, so balancing per transaction is
# balancing per transaction and currency. Functional amounts must balance as well.
GL_DEBIT_FOREIGN = "debit_foreign_amount"
GL_CREDIT_FOREIGN = "credit_foreign_amount"
GL_DEBIT = "debit_amount"
GL_CREDIT = "credit_amount"


def build_exceptions_suite() -> gx.ExpectationSuite:
    """Build the suite of `finance.reconciliation_exceptions`."""
    return gx.ExpectationSuite(
        name=EXCEPTIONS_SUITE,
        expectations=[
            *_dimension_expectations(),
            gxe.ExpectColumnToExist(column=REASON_CODE),
            gxe.ExpectColumnValuesToNotBeNull(column=REASON_CODE),
            gxe.ExpectColumnValuesToBeInSet(
                column=REASON_CODE,
                value_set=list(REASON_CODES),
                description="Every exception carries a reason code from the catalogue.",
            ),
        ],
    )


def build_summary_suite() -> gx.ExpectationSuite:
    """Build the suite of `finance.reconciliation_summary`."""
    counts = (MATCHED_COUNT, UNMATCHED_COUNT, TOTAL_COUNT)
    return gx.ExpectationSuite(
        name=SUMMARY_SUITE,
        expectations=[
            *_dimension_expectations(),
            *(gxe.ExpectColumnToExist(column=name) for name in counts),
            *(gxe.ExpectColumnValuesToNotBeNull(column=name) for name in counts),
            *(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0) for name in counts),
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=(
                    "select * from {batch} "
                    f"where {MATCHED_COUNT} + {UNMATCHED_COUNT} <> {TOTAL_COUNT}"
                ),
                description="Matched plus unmatched equals the total on every summary row.",
            ),
        ],
    )


def build_gl_lines_suite() -> gx.ExpectationSuite:
    """Build the suite of `canonical.gl_lines`: every transaction balances in both currencies."""
    amounts = (GL_DEBIT_FOREIGN, GL_CREDIT_FOREIGN, GL_DEBIT, GL_CREDIT)
    debit_foreign = f"sum(coalesce({GL_DEBIT_FOREIGN}, 0))"
    credit_foreign = f"sum(coalesce({GL_CREDIT_FOREIGN}, 0))"
    debit = f"sum(coalesce({GL_DEBIT}, 0))"
    credit = f"sum(coalesce({GL_CREDIT}, 0))"
    return gx.ExpectationSuite(
        name=GL_LINES_SUITE,
        expectations=[
            gxe.ExpectColumnToExist(column=GL_TRANSACTION),
            *(gxe.ExpectColumnToExist(column=name) for name in amounts),
            gxe.ExpectColumnValuesToNotBeNull(column=GL_TRANSACTION),
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=(
                    f"select {GL_TRANSACTION}, "
                    f"{debit_foreign} as debit_foreign_total, "
                    f"{credit_foreign} as credit_foreign_total, "
                    f"{debit} as debit_total, {credit} as credit_total "
                    "from {batch} "
                    f"group by {GL_TRANSACTION} "
                    f"having {debit_foreign} <> {credit_foreign} or {debit} <> {credit}"
                ),
                description=(
                    "Debits equal credits per GL transaction, in transaction and in "
                    "functional currency."
                ),
            ),
        ],
    )


def _dimension_expectations() -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnToExist(column=SUBSIDIARY),
        gxe.ExpectColumnToExist(column=PERIOD),
        gxe.ExpectColumnValuesToNotBeNull(column=SUBSIDIARY),
        gxe.ExpectColumnValuesToNotBeNull(column=PERIOD),
    ]


MART_SUITE_BUILDERS = (build_exceptions_suite, build_summary_suite, build_gl_lines_suite)
