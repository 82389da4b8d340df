"""The GL side: NetSuite transactions for each customer's Stripe documents, the
many-to-one summary journals, and the GL-side injections."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from orchestration.generator import plan as roles
from orchestration.generator.calendar import RATE_QUANTUM, local_date, local_moment, period_of
from orchestration.generator.context import World
from orchestration.generator.ids import stripe_id
from orchestration.generator.ledger import (
    CUSTOMER_CREDIT,
    CUSTOMER_INVOICE,
    CUSTOMER_PAYMENT,
    JOURNAL,
    GlLine,
    GlTransaction,
    Ledger,
)
from orchestration.generator.model import (
    REVERSED_IN_GL,
    RULE_POSTED,
    SUMMARIZED,
    UNPOSTED,
    VOIDED_IN_GL,
    AnswerRow,
    Charge,
    CreditNote,
    CustomerRecords,
    Invoice,
    Line,
)
from orchestration.generator.seeds import Currency, GlAccount, Product, Subsidiary

AMOUNT_MISMATCH_DELTAS = (Decimal("25.00"), Decimal("-40.00"))
# The FX_DIFFERENCE postings convert at this multiple of the period's average rate.
FX_RATE_FACTOR = Decimal("1.025")
POSTING_DELAY = timedelta(hours=3)
JOURNAL_STATUS = "Approved for Posting"


class Poster:
    """Writes the GL transactions of each customer and, at the end, the company-wide ones."""

    def __init__(self, world: World, ledger: Ledger) -> None:
        self.world = world
        self.ledger = ledger
        seeds = world.seeds
        self.receivable = seeds.account_for_role("accounts_receivable")
        self.clearing = seeds.account_for_role("stripe_clearing")
        self.suspense = seeds.account_for_role("suspense")
        # (subsidiary id, period index, currency) -> invoice count, AR total and
        # revenue per (account number, family, tax code).
        self.summaries: dict[tuple[int, int, str], list] = {}
        self._tax_code_pool = sorted(set(seeds.tax_codes.values()))

    # --- helpers ------------------------------------------------------------

    def created(self, moment: datetime) -> datetime:
        return min(moment + POSTING_DELAY, self.world.snapshot_at - timedelta(minutes=1))

    def period_for(self, subsidiary: Subsidiary, moment: datetime):
        day = local_date(moment, subsidiary.time_zone)
        period = period_of(self.world.periods, day)
        if period is None:
            raise ValueError(f"{moment.isoformat()} falls outside the generated periods")
        return day, period

    def revenue_dimensions(
        self, subsidiary: Subsidiary, product: Product
    ) -> tuple[GlAccount, str, str]:
        if product.revenue_account is None or product.family is None:
            # Unmapped products post to the suspense account without class or tax code.
            return self.suspense, "", ""
        account = self.world.seeds.accounts[product.revenue_account]
        tax_code = self.world.seeds.tax_codes[(subsidiary.id, product.family)]
        return account, product.family, tax_code

    def revenue_line(
        self, subsidiary: Subsidiary, line: Line, amount: Decimal, memo: str, entity: int
    ) -> GlLine:
        account, family, tax_code = self.revenue_dimensions(subsidiary, line.price.product)
        return GlLine(account, amount, entity, line.price.product.stripe_id, family, tax_code, memo)

    # --- invoices -----------------------------------------------------------

    def invoice_transaction(self, invoice: Invoice, external_id: str) -> GlTransaction:
        customer = invoice.customer
        subsidiary = customer.subsidiary
        currency = invoice.currency
        day, period = self.period_for(subsidiary, invoice.finalized)
        lines = [GlLine(self.receivable, currency.to_major(invoice.total), customer.netsuite_id)]
        for line in invoice.lines:
            lines.append(
                self.revenue_line(
                    subsidiary, line, -currency.to_major(line.amount), line.id, customer.netsuite_id
                )
            )
        status = "Paid In Full" if invoice.paid_at is not None else "Open"
        return GlTransaction(
            CUSTOMER_INVOICE,
            f"INV-{invoice.number}",
            day,
            period,
            subsidiary,
            currency,
            customer.netsuite_id,
            external_id,
            "",
            status,
            self.created(invoice.finalized),
            lines,
        )

    def post_invoice(self, invoice: Invoice, injection: tuple[str, int] | None) -> list[AnswerRow]:
        if invoice.posting == UNPOSTED:
            return []
        if invoice.posting == SUMMARIZED:
            self.add_to_summary(invoice)
            return []
        external_id = "" if invoice.posting == RULE_POSTED else invoice.id
        transaction = self.invoice_transaction(invoice, external_id)

        if invoice.posting == VOIDED_IN_GL:
            transaction.voided = True
            transaction.status = "Voided"
            self.ledger.post(transaction)
            return []
        if invoice.posting == REVERSED_IN_GL:
            self.post_with_reversal(invoice, transaction)
            return []
        if injection is None:
            self.ledger.post(transaction)
            return []
        return self.post_injected(invoice, transaction, *injection)

    def post_with_reversal(self, invoice: Invoice, transaction: GlTransaction) -> None:
        journal_id = self.ledger.reserve_id()
        transaction.reversal = journal_id
        transaction.status = "Open"
        self.ledger.post(transaction)
        day, period = self.period_for(transaction.subsidiary, invoice.voided_at)
        reversal = GlTransaction(
            JOURNAL,
            f"JE-REV-{invoice.number}",
            day,
            period,
            transaction.subsidiary,
            transaction.currency,
            None,
            "",
            f"Reversal of {transaction.tranid}",
            JOURNAL_STATUS,
            self.created(invoice.voided_at),
            [
                GlLine(
                    line.account,
                    -line.amount,
                    line.entity,
                    line.item,
                    line.family,
                    line.tax_code,
                    line.memo,
                )
                for line in transaction.lines
            ],
            rate=self.ledger.rate_for(transaction),
        )
        self.ledger.post(reversal, internal_id=journal_id)

    def post_injected(
        self, invoice: Invoice, transaction: GlTransaction, code: str, variant: int
    ) -> list[AnswerRow]:
        currency = invoice.currency
        total = currency.to_major(invoice.total)

        def answer(difference: object) -> list[AnswerRow]:
            return [AnswerRow("stripe", "invoice", invoice.id, code, str(difference))]

        if code == "INVOICE_NOT_POSTED":
            return answer(-total)
        if code == "AMOUNT_MISMATCH":
            delta = AMOUNT_MISMATCH_DELTAS[variant]
            transaction.lines[0].amount += delta
            transaction.lines[-1].amount -= delta
            self.ledger.post(transaction)
            return answer(delta)
        if code == "FX_DIFFERENCE":
            functional = transaction.subsidiary.currency
            average = self.ledger.rate_for(transaction)
            transaction.rate = (average * FX_RATE_FACTOR).quantize(RATE_QUANTUM)
            self.ledger.post(transaction)
            posted = functional.round(total * transaction.rate)
            return answer(posted - functional.round(total * average))
        if code == "PERIOD_MISMATCH":
            previous = self.world.periods[transaction.period.index - 1]
            transaction.period = previous
            transaction.trandate = previous.end
            self.ledger.post(transaction)
            return answer(0)
        if code == "DIMENSION_MISMATCH":
            line = transaction.lines[1]
            if variant == 0:
                line.tax_code = next(code for code in self._tax_code_pool if code != line.tax_code)
            else:
                revenue = sorted(
                    (a for a in self.world.seeds.accounts.values() if a.role == "revenue"),
                    key=lambda account: account.number,
                )
                line.account = next(a for a in revenue if a.number != line.account.number)
            self.ledger.post(transaction)
            return answer(0)
        if code == "DUPLICATE_POSTING":
            self.ledger.post(transaction)
            transaction.tranid += "-DUP"
            self.ledger.post(transaction)
            return answer(total)
        if code == "VOID_NOT_REVERSED":
            self.ledger.post(transaction)
            return answer(total)
        raise ValueError(f"no GL injection for reason code {code}")

    def add_to_summary(self, invoice: Invoice) -> None:
        subsidiary = invoice.customer.subsidiary
        _, period = self.period_for(subsidiary, invoice.finalized)
        key = (subsidiary.id, period.index, invoice.currency.code)
        entry = self.summaries.setdefault(key, [0, Decimal(0), defaultdict(Decimal)])
        entry[0] += 1
        entry[1] += invoice.currency.to_major(invoice.total)
        for line in invoice.lines:
            account, family, tax_code = self.revenue_dimensions(subsidiary, line.price.product)
            entry[2][(account.number, family, tax_code)] += invoice.currency.to_major(line.amount)

    # --- credit notes, payments and refunds --------------------------------

    def post_credit_note(self, note: CreditNote) -> None:
        if note.posting == UNPOSTED:
            return
        invoice = note.invoice
        customer = invoice.customer
        subsidiary = customer.subsidiary
        currency = invoice.currency
        day, period = self.period_for(subsidiary, note.created)
        lines = [GlLine(self.receivable, -currency.to_major(note.total), customer.netsuite_id)]
        for credit_line in note.lines:
            lines.append(
                self.revenue_line(
                    subsidiary,
                    credit_line.invoice_line,
                    currency.to_major(credit_line.amount),
                    credit_line.id,
                    customer.netsuite_id,
                )
            )
        self.ledger.post(
            GlTransaction(
                CUSTOMER_CREDIT,
                f"CM-{note.number}",
                day,
                period,
                subsidiary,
                currency,
                customer.netsuite_id,
                note.id,
                "",
                "Fully Applied",
                self.created(note.created),
                lines,
            )
        )

    def post_charge(self, charge: Charge) -> None:
        customer = charge.customer
        subsidiary = customer.subsidiary
        currency = charge.currency
        if charge.posting != UNPOSTED:
            amount = currency.to_major(charge.amount + charge.gl_amount_delta)
            day, period = self.period_for(subsidiary, charge.created)
            self.ledger.post(
                GlTransaction(
                    CUSTOMER_PAYMENT,
                    f"PYMT-{charge.id[3:13]}",
                    day,
                    period,
                    subsidiary,
                    currency,
                    customer.netsuite_id,
                    charge.id,
                    "Stripe charge",
                    "Deposited",
                    self.created(charge.created),
                    [
                        GlLine(self.clearing, amount),
                        GlLine(self.receivable, -amount, customer.netsuite_id),
                    ],
                )
            )
        for refund in charge.refunds:
            amount = currency.to_major(refund.amount)
            day, period = self.period_for(subsidiary, refund.created)
            self.ledger.post(
                GlTransaction(
                    JOURNAL,
                    f"JE-RF-{refund.id[3:13]}",
                    day,
                    period,
                    subsidiary,
                    currency,
                    customer.netsuite_id,
                    refund.id,
                    f"Stripe refund of {charge.id}",
                    JOURNAL_STATUS,
                    self.created(refund.created),
                    [
                        GlLine(self.receivable, amount, customer.netsuite_id),
                        GlLine(self.clearing, -amount),
                    ],
                )
            )

    # --- per customer and company-wide --------------------------------------

    def post_customer(self, records: CustomerRecords) -> list[AnswerRow]:
        """Post every document of one customer and return the answer-key rows it produced."""
        answers: list[AnswerRow] = []
        for invoice in records.invoices:
            answers += self.post_invoice(invoice, records.gl_injections.get(invoice.id))
        for note in records.credit_notes:
            self.post_credit_note(note)
        for charge in records.charges:
            self.post_charge(charge)
        customer = records.customer
        for role in self.world.plan.roles_of(customer.subsidiary.id, customer.index):
            if role.name == roles.STRAY_GL:
                answers.append(self.post_stray(records, role.variant))
        return answers

    def post_stray(self, records: CustomerRecords, variant: int) -> AnswerRow:
        """Post a GL transaction whose externalid names a Stripe document that does not exist."""
        customer = records.customer
        subsidiary = customer.subsidiary
        currency = customer.currency
        rng = random.Random(f"{self.world.seed}:stray:{customer.number}:{variant}")
        month = self.world.months - 2
        moment = local_moment(
            subsidiary.time_zone, self.world.month_first_day(month).replace(day=12), 15
        )
        day, period = self.period_for(subsidiary, moment)
        catalog = self.world.catalog
        platform = catalog.price(catalog.by_code["PLAT"], currency)
        amount = currency.to_major(platform.unit_amount)
        if variant == 0:
            external_id = stripe_id(rng, "in_")
            account, family, tax_code = self.revenue_dimensions(subsidiary, platform.product)
            transaction = GlTransaction(
                CUSTOMER_INVOICE,
                f"INV-{external_id[3:13]}",
                day,
                period,
                subsidiary,
                currency,
                customer.netsuite_id,
                external_id,
                "",
                "Open",
                self.created(moment),
                [
                    GlLine(self.receivable, amount, customer.netsuite_id),
                    GlLine(
                        account,
                        -amount,
                        customer.netsuite_id,
                        platform.product.stripe_id,
                        family,
                        tax_code,
                        stripe_id(rng, "il_"),
                    ),
                ],
            )
            gl_amount = amount
        else:
            external_id = stripe_id(rng, "ch_")
            transaction = GlTransaction(
                CUSTOMER_PAYMENT,
                f"PYMT-{external_id[3:13]}",
                day,
                period,
                subsidiary,
                currency,
                customer.netsuite_id,
                external_id,
                "Stripe charge",
                "Deposited",
                self.created(moment),
                [
                    GlLine(self.clearing, amount),
                    GlLine(self.receivable, -amount, customer.netsuite_id),
                ],
            )
            gl_amount = -amount
        internal_id = self.ledger.post(transaction)
        return AnswerRow(
            "netsuite", "transaction", str(internal_id), "JOURNAL_WITHOUT_SOURCE", str(gl_amount)
        )

    def post_summaries(self) -> None:
        """Post one many-to-one journal per summary set, covering its unposted invoices."""
        subsidiaries = {subsidiary.id: subsidiary for subsidiary in self.world.seeds.subsidiaries}
        for key in sorted(self.summaries):
            subsidiary_id, period_index, currency_code = key
            count, total, revenue = self.summaries[key]
            subsidiary = subsidiaries[subsidiary_id]
            currency = self.world.seeds.currencies[currency_code]
            period = self.world.periods[period_index]
            lines = [GlLine(self.receivable, total)]
            for (account_number, family, tax_code), amount in sorted(revenue.items()):
                account = self.world.seeds.accounts[account_number]
                lines.append(GlLine(account, -amount, None, "", family, tax_code))
            moment = local_moment(subsidiary.time_zone, period.end, 18)
            self.ledger.post(
                GlTransaction(
                    JOURNAL,
                    f"JE-SUM-{period.key}-{subsidiary_id}-{currency_code}",
                    period.end,
                    period,
                    subsidiary,
                    currency,
                    None,
                    "",
                    f"Summary of {count} Stripe invoices",
                    JOURNAL_STATUS,
                    self.created(moment),
                    lines,
                )
            )

    def post_ar_adjustments(self) -> list[AnswerRow]:
        """Post the manual AR journals behind AR_TIEOUT_DIFFERENCE."""
        subsidiaries = {subsidiary.id: subsidiary for subsidiary in self.world.seeds.subsidiaries}
        answers = []
        for adjustment in self.world.plan.ar_adjustments:
            subsidiary = subsidiaries[adjustment.subsidiary_id]
            currency: Currency = self.world.seeds.currencies[adjustment.currency]
            period = self.world.periods[adjustment.month]
            day = period.start.replace(day=20)
            amount = currency.round(adjustment.amount)
            self.ledger.post(
                GlTransaction(
                    JOURNAL,
                    f"JE-ADJ-{period.key}-{subsidiary.id}",
                    day,
                    period,
                    subsidiary,
                    currency,
                    None,
                    "",
                    "Manual receivables adjustment",
                    JOURNAL_STATUS,
                    self.created(local_moment(subsidiary.time_zone, day, 16)),
                    [GlLine(self.receivable, amount), GlLine(self.suspense, -amount)],
                )
            )
            source_id = f"{subsidiary.id}:{period.key}:{currency.code}"
            answers.append(
                AnswerRow("netsuite", "ar_balance", source_id, "AR_TIEOUT_DIFFERENCE", str(amount))
            )
        return answers
