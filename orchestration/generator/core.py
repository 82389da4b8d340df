"""Write a generated company as vendor snapshot files, with its answer key."""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from orchestration.generator import plan as roles
from orchestration.generator import stripe_objects as so
from orchestration.generator.calendar import (
    ExchangeRates,
    build_periods,
    local_date,
    snapshot_folder,
    snapshot_time,
)
from orchestration.generator.catalog import Catalog
from orchestration.generator.context import SCALES, World
from orchestration.generator.customer import CustomerBuilder
from orchestration.generator.ids import OPPORTUNITY_PREFIX, stripe_id
from orchestration.generator.ledger import Ledger
from orchestration.generator.masters import (
    SalesforceRows,
    account_rows,
    accounting_period_rows,
    currency_rows,
    drifted_country,
    exchange_rate_rows,
    netsuite_customer_row,
    product2_rows,
    subsidiary_rows,
)
from orchestration.generator.model import AnswerRow, CustomerRecords
from orchestration.generator.postings import Poster
from orchestration.generator.seeds import DEFAULT_SEEDS_DIR, load_seeds
from orchestration.generator.writers import SnapshotWriter, Table
from orchestration.ingestion.objects import NETSUITE, SALESFORCE, STRIPE

SALESFORCE_FILES = (
    "Account.csv",
    "Product2.csv",
    "Opportunity.csv",
    "OpportunityLineItem.csv",
    "Contract.csv",
)
STRIPE_FILES = (
    "customer.jsonl",
    "product.jsonl",
    "price.jsonl",
    "subscription.jsonl",
    "invoice.jsonl",
    "credit_note.jsonl",
    "charge.jsonl",
    "invoice_payment.jsonl",
    "refund.jsonl",
    "balance_transaction.jsonl",
    "payout.jsonl",
    "usage_record_summary.jsonl",
)
NETSUITE_FILES = (
    "subsidiary.csv",
    "currency.csv",
    "account.csv",
    "accountingperiod.csv",
    "consolidatedexchangerate.csv",
    "customer.csv",
    "transaction.csv",
    "transactionline.csv",
)
ANSWER_KEY_COLUMNS = ("source_system", "object", "source_id", "reason_code", "expected_difference")
SIGNOFF_COLUMNS = ("subsidiary_id", "period", "signed_off_by", "signed_off_at")
# The restated Stripe snapshot is taken this long after the first one, and the
# sign-off falls between the two.
RESTATEMENT_DELAY = timedelta(hours=1)
SIGNOFF_DELAY = timedelta(minutes=30)
SIGNED_OFF_BY = "controller@tieout.example"
RESTATED_DUE_DATE_SHIFT = timedelta(days=14)
PAYOUT_MISMATCH_DELTAS = (Decimal("-12.34"), Decimal("5.00"))
PAYOUT_DELAY = timedelta(hours=2)
PAYOUT_ARRIVAL = timedelta(days=1)


def generate(
    out_dir: Path,
    seed: int = 7,
    months: int = 6,
    scale: str = "demo",
    end_period: str = "2026-11",
    *,
    customers_per_subsidiary: int | None = None,
    seeds_dir: Path = DEFAULT_SEEDS_DIR,
) -> Path:
    """Write a generated company to `out_dir` and return `out_dir`.

    Writes one snapshot folder per source, a second Stripe snapshot for the
    restatement, `answer_key.csv`, `signoffs.csv` and `manifest.json`. An existing
    `out_dir/snapshots` folder is replaced. The same arguments give byte-identical files.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: expected one of {sorted(SCALES)}")
    profile = SCALES[scale]
    count = customers_per_subsidiary or profile.customers_per_subsidiary
    seeds = load_seeds(seeds_dir)
    periods, summary_periods = build_periods(end_period, months)
    snapshot_at = snapshot_time(end_period)
    world = World(
        seeds=seeds,
        catalog=Catalog(seeds, seed),
        periods=periods,
        rates=ExchangeRates(seeds, periods, seed),
        plan=roles.build_plan(seeds, seed, months, count),
        seed=seed,
        snapshot_at=snapshot_at,
        profile=profile,
        customers_per_subsidiary=count,
        salesforce_salt=random.Random(f"{seed}:salesforce").randrange(62**8),
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir / "snapshots", ignore_errors=True)
    snapshot = snapshot_folder(snapshot_at)
    writer = SnapshotWriter(out_dir)
    for source, files in (
        (SALESFORCE, SALESFORCE_FILES),
        (STRIPE, STRIPE_FILES),
        (NETSUITE, NETSUITE_FILES),
    ):
        for file_name in files:
            writer.open(source, snapshot, file_name)

    def write_all(source: str, file_name: str, rows: list[dict]) -> None:
        table = writer[(source, file_name)]
        for row in rows:
            table.write(row)

    write_all(SALESFORCE, "Product2.csv", product2_rows(world.catalog))
    write_all(STRIPE, "product.jsonl", world.catalog.product_rows())
    write_all(STRIPE, "price.jsonl", [price.to_stripe() for price in world.catalog.prices()])
    write_all(NETSUITE, "subsidiary.csv", subsidiary_rows(seeds))
    write_all(NETSUITE, "currency.csv", currency_rows(seeds))
    write_all(NETSUITE, "account.csv", account_rows(seeds))
    write_all(NETSUITE, "accountingperiod.csv", accounting_period_rows(periods, summary_periods))
    write_all(
        NETSUITE, "consolidatedexchangerate.csv", exchange_rate_rows(seeds, periods, world.rates)
    )

    ledger = Ledger(
        writer[(NETSUITE, "transaction.csv")],
        writer[(NETSUITE, "transactionline.csv")],
        world.rates,
    )
    poster = Poster(world, ledger)
    payouts = PayoutBook(world)
    answers: list[AnswerRow] = []
    restated: list[tuple[str, int]] = []
    billed_unmapped: set[str] = set()

    for position, subsidiary in enumerate(seeds.subsidiaries):
        for index in range(count):
            builder = CustomerBuilder(world, subsidiary, position, index)
            records = builder.build()
            write_customer(writer, world, builder, records, payouts)
            answers += records.answers
            answers += poster.post_customer(records)
            billed_unmapped.update(unmapped_products_billed(records))
            if builder.reason is not None and builder.reason.name == "RESTATED_AFTER_SIGNOFF":
                restated.append((builder.target.id, builder.reason.variant))

    answers += [
        AnswerRow(STRIPE, "product", product_id, "PRODUCT_UNMAPPED", "0")
        for product_id in sorted(billed_unmapped)
    ]
    poster.post_summaries()
    answers += poster.post_ar_adjustments()
    answers += payouts.write(
        writer[(STRIPE, "payout.jsonl")], writer[(STRIPE, "balance_transaction.jsonl")]
    )
    writer.close()

    later = snapshot_folder(snapshot_at + RESTATEMENT_DELAY)
    restated_path = write_restated_invoices(out_dir, snapshot, later, restated)
    writer.row_counts[restated_path.relative_to(out_dir).as_posix()] = _count_lines(restated_path)
    write_signoffs(out_dir, world, snapshot_at)
    write_answer_key(out_dir, answers)
    write_manifest(
        out_dir,
        {
            "seed": seed,
            "months": months,
            "scale": scale,
            "end_period": end_period,
            "customers_per_subsidiary": count,
            "snapshots": {SALESFORCE: [snapshot], STRIPE: [snapshot, later], NETSUITE: [snapshot]},
            "row_counts": dict(sorted(writer.row_counts.items())),
            "answer_key_rows": len(answers),
        },
    )
    return out_dir


def write_customer(
    writer: SnapshotWriter,
    world: World,
    builder: CustomerBuilder,
    records: CustomerRecords,
    payouts: PayoutBook,
) -> None:
    """Write one customer's rows to every open file."""
    customer = records.customer
    sf = SalesforceRows(world.catalog, records, lambda: builder.sf_id("00k"))
    writer[(SALESFORCE, "Account.csv")].write(sf.account())
    for contract in records.contracts:
        opportunities, lines = sf.opportunities(contract)
        for row in opportunities:
            writer[(SALESFORCE, "Opportunity.csv")].write(row)
        for row in lines:
            writer[(SALESFORCE, "OpportunityLineItem.csv")].write(row)
        writer[(SALESFORCE, "Contract.csv")].write(sf.contract(contract))
    if records.open_opportunity:
        close = world.snapshot_at.date() + timedelta(days=45)
        writer[(SALESFORCE, "Opportunity.csv")].write(
            sf.open_opportunity(
                builder.sf_id(OPPORTUNITY_PREFIX), close, world.snapshot_at - timedelta(days=20)
            )
        )

    country = customer.country
    if records.drift == "stripe_country":
        country = drifted_country(country)
    writer[(STRIPE, "customer.jsonl")].write(so.customer_object(customer, country))
    zone = customer.subsidiary.time_zone
    for subscription in records.subscriptions:
        writer[(STRIPE, "subscription.jsonl")].write(
            so.subscription_object(
                subscription, customer, current_period(world, subscription, zone)
            )
        )
    tax_codes = world.seeds.tax_codes
    for invoice in records.invoices:
        codes = {
            line.id: tax_codes.get((customer.subsidiary.id, line.price.product.family or ""))
            for line in invoice.lines
        }
        writer[(STRIPE, "invoice.jsonl")].write(so.invoice_object(invoice, codes))
    for note in records.credit_notes:
        writer[(STRIPE, "credit_note.jsonl")].write(so.credit_note_object(note))
    for charge in records.charges:
        writer[(STRIPE, "charge.jsonl")].write(so.charge_object(charge))
        for row in so.invoice_payment_objects(charge):
            writer[(STRIPE, "invoice_payment.jsonl")].write(row)
        payouts.add(
            writer[(STRIPE, "balance_transaction.jsonl")],
            charge.balance_transaction,
            "charge",
            charge.id,
            charge.currency.code.lower(),
            charge.amount,
            so.card_fee(charge.amount),
            charge.created,
        )
        for refund in charge.refunds:
            writer[(STRIPE, "refund.jsonl")].write(so.refund_object(refund, charge))
            payouts.add(
                writer[(STRIPE, "balance_transaction.jsonl")],
                refund.balance_transaction,
                "refund",
                refund.id,
                charge.currency.code.lower(),
                -refund.amount,
                0,
                refund.created,
            )
    for summary in records.usage:
        writer[(STRIPE, "usage_record_summary.jsonl")].write(so.usage_summary_object(summary))

    writer[(NETSUITE, "customer.csv")].write(netsuite_customer_row(records))


def unmapped_products_billed(records: CustomerRecords) -> set[str]:
    return {
        line.price.product.stripe_id
        for invoice in records.invoices
        for line in invoice.lines
        if line.price.product.revenue_account is None
    }


def current_period(world: World, subscription, zone) -> tuple[datetime, datetime]:
    """Return the item billing period that contains the snapshot, or the last one billed."""
    if subscription.ended_at is not None:
        end_month = subscription.end_month
    else:
        day = local_date(world.snapshot_at, zone)
        first = world.periods[0].start
        end_month = (day.year - first.year) * 12 + day.month - first.month + 1
    return world.month_start(end_month - 1, zone), world.month_start(end_month, zone)


class PayoutBook:
    """Balance transactions grouped into daily automatic payouts per currency.

    Holds one running total per payout, so memory grows with days and currencies,
    not with customers.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.totals: dict[tuple[str, str], int] = {}

    def payout_ids(self, currency: str, day: str) -> tuple[str, str]:
        rng = random.Random(f"{self.world.seed}:payout:{currency}:{day}")
        return stripe_id(rng, "po_"), stripe_id(rng, "txn_")

    def add(
        self,
        table: Table,
        txn_id: str,
        kind: str,
        source: str,
        currency: str,
        amount: int,
        fee: int,
        created: datetime,
    ) -> None:
        available = so.available_on(created)
        payout_id = None
        status = "pending"
        if available + PAYOUT_DELAY < self.world.snapshot_at:
            day = available.date().isoformat()
            payout_id = self.payout_ids(currency, day)[0]
            self.totals[(currency, day)] = self.totals.get((currency, day), 0) + amount - fee
            status = "available"
        table.write(
            so.balance_transaction_object(
                txn_id, kind, source, currency, amount, fee, created, available, payout_id, status
            )
        )

    def write(self, payouts: Table, balance: Table) -> list[AnswerRow]:
        """Write every payout with its own balance transaction, injecting PAYOUT_MISMATCH."""
        keys = sorted(self.totals)
        mismatched = {}
        if keys:
            picks = sorted({len(keys) // 3, (2 * len(keys)) // 3})
            for pick, delta in zip(picks, PAYOUT_MISMATCH_DELTAS, strict=False):
                mismatched[keys[pick]] = delta
        answers = []
        for key in keys:
            currency_code, day = key
            currency = self.world.seeds.currencies[currency_code.upper()]
            payout_id, txn_id = self.payout_ids(currency_code, day)
            amount = self.totals[key]
            if key in mismatched:
                delta = currency.to_minor(mismatched[key])
                amount += delta
                answers.append(
                    AnswerRow(
                        "stripe",
                        "payout",
                        payout_id,
                        "PAYOUT_MISMATCH",
                        str(currency.to_major(delta)),
                    )
                )
            created = datetime.fromisoformat(day).replace(tzinfo=UTC) + PAYOUT_DELAY
            arrival = created + PAYOUT_ARRIVAL
            payouts.write(
                {
                    "amount": amount,
                    "arrival_date": so.ts(arrival),
                    "automatic": True,
                    "balance_transaction": txn_id,
                    "created": so.ts(created),
                    "currency": currency_code,
                    "description": "STRIPE PAYOUT",
                    "destination": f"ba_{payout_id[3:]}",
                    "failure_balance_transaction": None,
                    "failure_code": None,
                    "failure_message": None,
                    "id": payout_id,
                    "livemode": False,
                    "metadata": {},
                    "method": "standard",
                    "object": "payout",
                    "reconciliation_status": "completed",
                    "source_type": "card",
                    "statement_descriptor": None,
                    "status": "paid" if arrival < self.world.snapshot_at else "in_transit",
                    "type": "bank_account",
                }
            )
            balance.write(
                so.balance_transaction_object(
                    txn_id,
                    "payout",
                    payout_id,
                    currency_code,
                    -amount,
                    0,
                    created,
                    created,
                    payout_id,
                    "available",
                )
            )
        return answers


def write_restated_invoices(
    out_dir: Path, snapshot: str, later: str, restated: list[tuple[str, int]]
) -> Path:
    """Copy invoice.jsonl into the later Stripe snapshot, changing the due date of the
    variant-0 invoices and dropping the variant-1 invoices."""
    source = out_dir / "snapshots" / STRIPE / snapshot / "invoice.jsonl"
    target = out_dir / "snapshots" / STRIPE / later / "invoice.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    markers = {f'"id":"{invoice_id}"': variant for invoice_id, variant in restated}
    shift = int(RESTATED_DUE_DATE_SHIFT.total_seconds())
    with (
        source.open(encoding="utf-8") as reader,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        for line in reader:
            variant = next((v for marker, v in markers.items() if marker in line), None)
            if variant == 1:
                continue
            if variant == 0:
                record = json.loads(line)
                record["due_date"] += shift
                line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
            out.write(line)
    return target


def write_signoffs(out_dir: Path, world: World, snapshot_at: datetime) -> None:
    signed_at = (snapshot_at + SIGNOFF_DELAY).strftime("%Y-%m-%dT%H:%M:%SZ")
    with (out_dir / "signoffs.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(SIGNOFF_COLUMNS)
        out.writerow(
            [world.plan.restated_subsidiary, world.periods[0].key, SIGNED_OFF_BY, signed_at]
        )


def write_answer_key(out_dir: Path, answers: list[AnswerRow]) -> None:
    rows = sorted(
        (row.source_system, row.object, row.source_id, row.reason_code, row.expected_difference)
        for row in answers
    )
    with (out_dir / "answer_key.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(ANSWER_KEY_COLUMNS)
        out.writerows(rows)


def write_manifest(out_dir: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")


def _count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)
