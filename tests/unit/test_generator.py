"""Tests of the sample-data generator: file formats, determinism, balanced GL and an
answer key whose rows can be recomputed from the files themselves."""

from __future__ import annotations

import csv
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from generator_files import Snapshot, file_digests, lookup, read_snapshot

from orchestration.generator import generate
from orchestration.generator.ids import salesforce_checksum
from orchestration.generator.plan import REASON_CODES
from orchestration.ingestion.objects import objects_for, spec_for_file

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
SMALL = {"customers_per_subsidiary": 17, "months": 5}


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


EXPONENTS = {row["currency_code"]: int(row["minor_unit"]) for row in seed_rows("currencies.csv")}
NETSUITE_CURRENCY = {
    row["netsuite_currency_id"]: row["currency_code"] for row in seed_rows("currencies.csv")
}
ZONES = {row["subsidiary_id"]: ZoneInfo(row["time_zone"]) for row in seed_rows("subsidiaries.csv")}
FUNCTIONAL = {
    row["subsidiary_id"]: row["functional_currency"] for row in seed_rows("subsidiaries.csv")
}


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-EXPONENTS[currency.upper()])


def money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def round_to(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-EXPONENTS[currency]), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Snapshot:
    return read_snapshot(generate(tmp_path_factory.mktemp("demo")))


@pytest.fixture(scope="module")
def ledger(demo):
    transactions = {row["id"]: row for row in demo.csv_rows("netsuite", "transaction.csv")}
    lines = defaultdict(list)
    for row in demo.csv_rows("netsuite", "transactionline.csv"):
        lines[row["transaction"]].append(row)
    return transactions, lines


@pytest.fixture(scope="module")
def answers(demo) -> list[dict[str, str]]:
    return demo.answer_key()


def ar_amount(lines: list[dict[str, str]], column: str = "foreign") -> Decimal:
    """Return debit minus credit on the AR account (internal id 3, number 1200)."""
    debit, credit = (
        ("debitforeignamount", "creditforeignamount")
        if column == "foreign"
        else ("debit", "credit")
    )
    return sum(
        (money(line[debit]) - money(line[credit]) for line in lines if line["account"] == "3"),
        Decimal(0),
    )


def injected(answers, code: str) -> list[dict[str, str]]:
    return [row for row in answers if row["reason_code"] == code]


# --- determinism ------------------------------------------------------------


def test_same_seed_gives_identical_files(tmp_path):
    first = file_digests(generate(tmp_path / "a", **SMALL))
    second = file_digests(generate(tmp_path / "b", **SMALL))
    assert first == second


def test_other_seed_gives_other_files(tmp_path):
    first = file_digests(generate(tmp_path / "a", seed=7, **SMALL))
    second = file_digests(generate(tmp_path / "b", seed=8, **SMALL))
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert "answer_key.csv" in changed
    assert len(changed) > len(first) // 2


def test_too_few_customers_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="customers_per_subsidiary"):
        generate(tmp_path, customers_per_subsidiary=3)


# --- file layout and formats ------------------------------------------------


def test_snapshot_folders_follow_end_period(demo):
    assert demo.manifest["snapshots"]["netsuite"] == ["2026-12-01T06-00-00Z"]
    assert demo.manifest["snapshots"]["stripe"] == ["2026-12-01T06-00-00Z", "2026-12-01T07-00-00Z"]
    later = demo.folder("stripe", 1)
    assert sorted(path.name for path in later.iterdir()) == ["invoice.jsonl"]


def test_file_names_and_headers_match_specs(demo):
    for source in ("salesforce", "stripe", "netsuite"):
        folder = demo.folder(source)
        written = sorted(path.name for path in folder.iterdir())
        expected = sorted(spec.file_names[0] for spec in objects_for(source))
        assert written == expected, source
        for spec in objects_for(source):
            assert spec_for_file(source, spec.file_names[0]) is spec
            if spec.file_format != "csv":
                continue
            header = demo.csv_header(source, spec.file_names[0])
            sources = {name for column in spec.columns for name in column.source}
            assert set(header) <= sources, spec.name
            required = {column.source[0] for column in spec.columns if column.required}
            assert required <= set(header), spec.name


def test_json_objects_have_required_paths(demo):
    for spec in objects_for("stripe"):
        records = demo.jsonl(spec.file_names[0])
        assert records, spec.name
        for record in records:
            assert record["object"] == spec.name or spec.name == "usage_record_summary"
            assert record.get("livemode", False) is False
            for column in spec.columns:
                if column.required:
                    assert any(lookup(record, path)[0] for path in column.source), (
                        spec.name,
                        column.name,
                    )
            for child in spec.children:
                found, rows = lookup(record, child.path)
                assert found, (spec.name, child.path)
                for row in rows:
                    for column in child.columns:
                        if column.required:
                            assert any(lookup(row, path)[0] for path in column.source)


def test_minor_unit_amounts_are_integers(demo):
    for spec in objects_for("stripe"):
        for record in demo.jsonl(spec.file_names[0]):
            groups = [(spec.columns, [record])]
            groups += [(child.columns, lookup(record, child.path)[1]) for child in spec.children]
            for columns, rows in groups:
                for row in rows:
                    for column in columns:
                        if column.kind != "minor_money":
                            continue
                        for path in column.source:
                            found, value = lookup(row, path)
                            if found and value is not None:
                                assert type(value) is int, (spec.name, path, value)


def test_stripe_codes_and_prefixes(demo):
    prefixes = {
        "customer.jsonl": "cus_",
        "product.jsonl": "prod_",
        "price.jsonl": "price_",
        "subscription.jsonl": "sub_",
        "invoice.jsonl": "in_",
        "credit_note.jsonl": "cn_",
        "charge.jsonl": "ch_",
        "invoice_payment.jsonl": "inpay_",
        "refund.jsonl": "re_",
        "balance_transaction.jsonl": "txn_",
        "payout.jsonl": "po_",
        "usage_record_summary.jsonl": "sis_",
    }
    for file_name, prefix in prefixes.items():
        for record in demo.jsonl(file_name):
            assert record["id"].startswith(prefix), record["id"]
            if "currency" in record:
                assert record["currency"] == record["currency"].lower()
    for invoice in demo.jsonl("invoice.jsonl"):
        for line in invoice["lines"]["data"]:
            assert line["id"].startswith("il_")
    for subscription in demo.jsonl("subscription.jsonl"):
        for item in subscription["items"]["data"]:
            assert item["id"].startswith("si_")
            assert item["price"]["object"] == "price"


def test_salesforce_checksum_known_example():
    # A 15-character Id and its case-safe suffix as Salesforce converts it.
    assert salesforce_checksum("a0D30000001n7Pi") == "EAI"


def independent_checksum(id15: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    result = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = "".join("1" if character.isupper() else "0" for character in reversed(chunk))
        result += alphabet[int(bits, 2)]
    return result


def test_salesforce_ids_have_valid_checksums_and_prefixes(demo):
    prefixes = {
        "Account.csv": "001",
        "Opportunity.csv": "006",
        "OpportunityLineItem.csv": "00k",
        "Contract.csv": "800",
        "Product2.csv": "01t",
    }
    seen = set()
    for file_name, prefix in prefixes.items():
        for row in demo.csv_rows("salesforce", file_name):
            record_id = row["Id"]
            assert len(record_id) == 18
            assert record_id.startswith(prefix)
            assert record_id[15:] == independent_checksum(record_id[:15]), record_id
            assert record_id not in seen
            seen.add(record_id)
            assert row["IsDeleted"] in ("true", "false")
            assert row["CreatedDate"].endswith(".000Z")
            if "CurrencyIsoCode" in row:
                assert row["CurrencyIsoCode"] == row["CurrencyIsoCode"].upper()


def test_netsuite_booleans_and_ids(demo):
    for row in demo.csv_rows("netsuite", "transaction.csv"):
        assert row["voided"] in ("T", "F")
        assert int(row["id"]) > 0
    for row in demo.csv_rows("netsuite", "accountingperiod.csv"):
        assert {row["isposting"], row["closed"]} <= {"T", "F"}


# --- ledger -----------------------------------------------------------------


def test_every_transaction_balances_in_both_currencies(ledger):
    transactions, lines = ledger
    assert transactions
    for transaction_id in transactions:
        rows = lines[transaction_id]
        assert rows, transaction_id
        foreign_debit = sum(money(row["debitforeignamount"]) for row in rows)
        foreign_credit = sum(money(row["creditforeignamount"]) for row in rows)
        debit = sum(money(row["debit"]) for row in rows)
        credit = sum(money(row["credit"]) for row in rows)
        assert foreign_debit == foreign_credit, transaction_id
        assert debit == credit, transaction_id


def test_customer_transactions_use_ar_and_mapped_dimensions(demo, ledger):
    transactions, lines = ledger
    mapping = {row["stripe_product_id"]: row for row in seed_rows("product_mapping.csv")}
    taxes = {
        (row["subsidiary_id"], row["product_family"]): row["tax_code"]
        for row in seed_rows("tax_codes.csv")
    }
    accounts = {row["id"]: row["acctnumber"] for row in demo.csv_rows("netsuite", "account.csv")}
    dimension_cases = {
        row["source_id"] for row in demo.answer_key() if row["reason_code"] == "DIMENSION_MISMATCH"
    }
    for transaction_id, transaction in transactions.items():
        rows = lines[transaction_id]
        if transaction["type"] in ("CustInvc", "CustCred", "CustPymt"):
            assert any(accounts[row["account"]] == "1200" for row in rows), transaction_id
        if transaction["type"] != "CustInvc" or transaction["externalid"] in dimension_cases:
            continue
        for row in rows[1:]:
            product = mapping.get(row["item"])
            if product is None:
                assert accounts[row["account"]] == "4900"
                continue
            assert row["memo"].startswith("il_")
            assert accounts[row["account"]] == product["revenue_account_number"]
            assert row["class"] == product["product_family"]
            assert row["taxcode"] == taxes[(transaction["subsidiary"], product["product_family"])]


def test_functional_amounts_use_period_average_rate(demo, ledger, answers):
    transactions, lines = ledger
    rates = {
        (row["postingperiod"], row["fromcurrency"], row["tocurrency"]): Decimal(row["averagerate"])
        for row in demo.csv_rows("netsuite", "consolidatedexchangerate.csv")
    }
    subsidiaries = {row["id"]: row for row in demo.csv_rows("netsuite", "subsidiary.csv")}
    fx_cases = {row["source_id"] for row in injected(answers, "FX_DIFFERENCE")}
    foreign = 0
    for transaction_id, transaction in transactions.items():
        if transaction["type"] != "CustInvc" or transaction["externalid"] in fx_cases:
            continue
        if transaction["voided"] == "T":
            continue
        functional_id = subsidiaries[transaction["subsidiary"]]["currency"]
        rate = rates[(transaction["postingperiod"], transaction["currency"], functional_id)]
        code = NETSUITE_CURRENCY[functional_id]
        rows = lines[transaction_id]
        expected = round_to(ar_amount(rows) * rate, code)
        assert ar_amount(rows, "functional") == expected, transaction_id
        foreign += transaction["currency"] != functional_id
    assert foreign > 0


def document_period(moment: int, subsidiary: str) -> str:
    local = datetime.fromtimestamp(moment, UTC).astimezone(ZONES[subsidiary])
    return f"{local.year:04d}-{local.month:02d}"


def test_clean_invoices_post_once_in_their_local_period(demo, ledger, answers):
    """Every finalized invoice without an injected exception is in the GL exactly once:
    by reference, by rule (empty externalid) or in its set's summary journal."""
    transactions, lines = ledger
    periods = {
        row["id"]: row["startdate"][:7] for row in demo.csv_rows("netsuite", "accountingperiod.csv")
    }
    customers = {row["id"]: row for row in demo.jsonl("customer.jsonl")}
    netsuite_ids = {
        row["id"]: row["externalid"] for row in demo.csv_rows("netsuite", "customer.csv")
    }
    flagged = {row["source_id"] for row in answers}
    by_reference = defaultdict(list)
    rule_posted = []
    summaries = {}
    for transaction_id, transaction in transactions.items():
        if transaction["externalid"]:
            by_reference[transaction["externalid"]].append(transaction)
        elif transaction["type"] == "CustInvc":
            rule_posted.append(transaction)
        elif transaction["memo"].startswith("Summary of"):
            key = (
                transaction["subsidiary"],
                periods[transaction["postingperiod"]],
                NETSUITE_CURRENCY[transaction["currency"]],
            )
            summaries[key] = ar_amount(lines[transaction_id])

    unmatched = []
    for invoice in demo.jsonl("invoice.jsonl"):
        if invoice["id"] in flagged or invoice["status"] == "void":
            continue
        subsidiary = customers[invoice["customer"]]["metadata"]["subsidiary"]
        period = document_period(invoice["status_transitions"]["finalized_at"], subsidiary)
        posted = by_reference.get(invoice["id"], [])
        assert len(posted) <= 1, invoice["id"]
        if posted:
            total = major(invoice["total"], invoice["currency"])
            assert ar_amount(lines[posted[0]["id"]]) == total, invoice["id"]
            assert periods[posted[0]["postingperiod"]] == period, invoice["id"]
            assert posted[0]["subsidiary"] == subsidiary
        else:
            unmatched.append((invoice, subsidiary, period))

    remaining = defaultdict(Decimal)
    rule_pool = list(rule_posted)
    for invoice, subsidiary, period in unmatched:
        total = major(invoice["total"], invoice["currency"])
        account = customers[invoice["customer"]]["metadata"]["salesforce_account_id"]
        match = next(
            (
                transaction
                for transaction in rule_pool
                if netsuite_ids[transaction["entity"]] == account
                and NETSUITE_CURRENCY[transaction["currency"]] == invoice["currency"].upper()
                and ar_amount(lines[transaction["id"]]) == total
            ),
            None,
        )
        if match is not None:
            rule_pool.remove(match)
            continue
        remaining[(subsidiary, period, invoice["currency"].upper())] += total
    assert not rule_pool
    assert rule_posted
    assert summaries
    assert dict(remaining) == summaries


def test_time_zone_edge_invoices_exist(demo):
    customers = {row["id"]: row for row in demo.jsonl("customer.jsonl")}
    edges = []
    for invoice in demo.jsonl("invoice.jsonl"):
        subsidiary = customers[invoice["customer"]]["metadata"]["subsidiary"]
        moment = datetime.fromtimestamp(invoice["status_transitions"]["finalized_at"], UTC)
        local = moment.astimezone(ZONES[subsidiary])
        last_day = (local + timedelta(days=1)).day == 1
        if local.hour == 23 and last_day and moment.date() != local.date():
            edges.append(invoice["id"])
    assert len(edges) >= 1


def test_nothing_happens_after_the_snapshot(demo):
    cutoff = int(datetime(2026, 12, 1, 6, tzinfo=UTC).timestamp())
    for file_name in (
        "invoice.jsonl",
        "charge.jsonl",
        "refund.jsonl",
        "credit_note.jsonl",
        "payout.jsonl",
    ):
        for record in demo.jsonl(file_name):
            assert record["created"] < cutoff, record["id"]


# --- Stripe consistency -----------------------------------------------------


def test_invoice_totals_equal_their_lines(demo):
    for invoice in demo.jsonl("invoice.jsonl"):
        lines = invoice["lines"]["data"]
        assert invoice["total"] == sum(line["amount"] for line in lines), invoice["id"]
        assert invoice["subtotal"] == invoice["total"]
        if invoice["status"] == "paid":
            assert invoice["amount_paid"] == invoice["total"]


def test_payments_add_up_to_charges(demo):
    paid = Counter()
    for payment in demo.jsonl("invoice_payment.jsonl"):
        assert payment["payment"]["type"] == "charge"
        paid[payment["payment"]["charge"]] += payment["amount_paid"]
    charges = {charge["id"]: charge for charge in demo.jsonl("charge.jsonl")}
    assert paid.keys() == charges.keys()
    for charge_id, amount in paid.items():
        assert charges[charge_id]["amount"] == amount
    invoice_count = Counter(p["payment"]["charge"] for p in demo.jsonl("invoice_payment.jsonl"))
    assert max(invoice_count.values()) >= 2
    per_invoice = Counter(p["invoice"] for p in demo.jsonl("invoice_payment.jsonl"))
    assert max(per_invoice.values()) >= 2


# --- answer key ---------------------------------------------------------------


def test_every_reason_code_is_injected_twice(answers):
    counts = Counter(row["reason_code"] for row in answers)
    assert set(counts) == set(REASON_CODES)
    for code in REASON_CODES:
        assert counts[code] >= 2, code


def test_answer_key_is_sorted_and_unique(answers):
    keys = [tuple(row.values()) for row in answers]
    assert keys == sorted(keys)
    assert len({(row["source_system"], row["object"], row["source_id"]) for row in answers}) == len(
        answers
    )


def test_answer_rows_reference_existing_records(demo, ledger, answers):
    transactions, _ = ledger
    ids = {
        ("salesforce", "contract"): {
            row["Id"] for row in demo.csv_rows("salesforce", "Contract.csv")
        },
        ("salesforce", "account"): {
            row["Id"] for row in demo.csv_rows("salesforce", "Account.csv")
        },
        ("netsuite", "transaction"): set(transactions),
    }
    for kind in (
        "invoice",
        "credit_note",
        "charge",
        "payout",
        "subscription",
        "product",
        "usage_record_summary",
    ):
        ids[("stripe", kind)] = {record["id"] for record in demo.jsonl(f"{kind}.jsonl")}
    for row in answers:
        key = (row["source_system"], row["object"])
        if key == ("netsuite", "ar_balance"):
            subsidiary, period, currency = row["source_id"].split(":")
            assert subsidiary in FUNCTIONAL
            assert currency in EXPONENTS
            assert len(period) == 7
            continue
        assert row["source_id"] in ids[key], row


def test_restated_invoices_differ_only_where_keyed(demo, answers):
    first = {record["id"]: record for record in demo.jsonl("invoice.jsonl")}
    later = {record["id"]: record for record in demo.jsonl("invoice.jsonl", position=1)}
    restated = {row["source_id"] for row in injected(answers, "RESTATED_AFTER_SIGNOFF")}
    changed = {key for key in first if later.get(key) != first[key]}
    assert changed == restated
    assert any(key not in later for key in restated)
    with (demo.root / "signoffs.csv").open(newline="", encoding="utf-8") as handle:
        signoffs = list(csv.DictReader(handle))
    assert signoffs[0]["period"] == "2026-06"
    for key in restated:
        subsidiary = None
        for customer in demo.jsonl("customer.jsonl"):
            if customer["id"] == first[key]["customer"]:
                subsidiary = customer["metadata"]["subsidiary"]
        assert subsidiary == signoffs[0]["subsidiary_id"]
        assert (
            document_period(first[key]["status_transitions"]["finalized_at"], subsidiary)
            == "2026-06"
        )


def test_unposted_and_duplicate_differences(demo, ledger, answers):
    transactions, lines = ledger
    invoices = {record["id"]: record for record in demo.jsonl("invoice.jsonl")}
    notes = {record["id"]: record for record in demo.jsonl("credit_note.jsonl")}
    references = Counter(row["externalid"] for row in transactions.values())
    for row in injected(answers, "INVOICE_NOT_POSTED"):
        document = invoices.get(row["source_id"]) or notes[row["source_id"]]
        amount = major(document["total"], document["currency"])
        sign = 1 if document["object"] == "invoice" else -1
        assert references[row["source_id"]] == 0
        assert Decimal(row["expected_difference"]) == -sign * amount
    for code in ("DUPLICATE_POSTING", "AMOUNT_MISMATCH", "VOID_NOT_REVERSED"):
        for row in injected(answers, code):
            invoice = invoices[row["source_id"]]
            posted = [t for t in transactions.values() if t["externalid"] == row["source_id"]]
            gl = sum(ar_amount(lines[t["id"]]) for t in posted)
            # A void invoice counts as 0 on the billing side.
            billing = (
                0 if invoice["status"] == "void" else major(invoice["total"], invoice["currency"])
            )
            assert Decimal(row["expected_difference"]) == gl - billing
            assert len(posted) == (2 if code == "DUPLICATE_POSTING" else 1)
    for row in injected(answers, "VOID_NOT_REVERSED"):
        assert invoices[row["source_id"]]["status"] == "void"


def test_payment_and_payout_differences(demo, ledger, answers):
    transactions, lines = ledger
    charges = {record["id"]: record for record in demo.jsonl("charge.jsonl")}
    for row in injected(answers, "PAYMENT_NOT_POSTED") + injected(
        answers, "PAYMENT_AMOUNT_MISMATCH"
    ):
        charge = charges[row["source_id"]]
        posted = [t for t in transactions.values() if t["externalid"] == charge["id"]]
        received = sum(-ar_amount(lines[t["id"]]) for t in posted)
        assert Decimal(row["expected_difference"]) == received - major(
            charge["amount"], charge["currency"]
        )
    net = Counter()
    for txn in demo.jsonl("balance_transaction.jsonl"):
        if txn["payout"] and txn["type"] != "payout":
            net[txn["payout"]] += txn["net"]
    mismatched = {row["source_id"]: row for row in injected(answers, "PAYOUT_MISMATCH")}
    for payout in demo.jsonl("payout.jsonl"):
        difference = major(payout["amount"] - net[payout["id"]], payout["currency"])
        expected = (
            Decimal(mismatched[payout["id"]]["expected_difference"])
            if payout["id"] in mismatched
            else 0
        )
        assert difference == expected, payout["id"]


def test_usage_and_unmapped_products(demo, answers):
    prices = {record["id"]: record for record in demo.jsonl("price.jsonl")}
    items = {}
    for subscription in demo.jsonl("subscription.jsonl"):
        for item in subscription["items"]["data"]:
            items[item["id"]] = item
    billed = {
        (line["parent"]["subscription_item_details"] or {}).get("subscription_item"): line["period"]
        for invoice in demo.jsonl("invoice.jsonl")
        for line in invoice["lines"]["data"]
        if line["parent"]["subscription_item_details"]
    }
    unbilled = {row["source_id"]: row for row in injected(answers, "USAGE_NOT_BILLED")}
    for summary in demo.jsonl("usage_record_summary.jsonl"):
        price = prices[items[summary["subscription_item"]]["price"]["id"]]
        if summary["id"] in unbilled:
            assert summary["invoice"] is None
            expected = -major(summary["total_usage"] * price["unit_amount"], price["currency"])
            assert Decimal(unbilled[summary["id"]]["expected_difference"]) == expected
        else:
            assert summary["invoice"] is not None
            assert summary["subscription_item"] in billed
    mapped = {row["stripe_product_id"] for row in seed_rows("product_mapping.csv")}
    billed_products = {
        line["pricing"]["price_details"]["product"]
        for invoice in demo.jsonl("invoice.jsonl")
        for line in invoice["lines"]["data"]
    }
    flagged = {row["source_id"] for row in injected(answers, "PRODUCT_UNMAPPED")}
    assert flagged == billed_products - mapped


def test_contract_differences(demo, answers):
    contracts = {row["Id"]: row for row in demo.csv_rows("salesforce", "Contract.csv")}
    subscriptions = {}
    for subscription in demo.jsonl("subscription.jsonl"):
        reference = subscription["metadata"].get("salesforce_contract_id")
        if reference:
            subscriptions[reference] = subscription

    def monthly(subscription) -> Decimal:
        total = sum(
            item["price"]["unit_amount"] * item["quantity"]
            for item in subscription["items"]["data"]
            if item["price"]["recurring"]["usage_type"] == "licensed"
        )
        return major(total, subscription["currency"])

    for row in injected(answers, "CONTRACT_NOT_BILLED"):
        assert row["source_id"] not in subscriptions
        assert Decimal(row["expected_difference"]) == -Decimal(
            contracts[row["source_id"]]["Monthly_Amount__c"]
        )
    for code in ("CONTRACT_AMOUNT_MISMATCH", "AMENDMENT_NOT_APPLIED"):
        for row in injected(answers, code):
            contract = contracts[row["source_id"]]
            value = monthly(subscriptions[row["source_id"]])
            assert Decimal(row["expected_difference"]) == value - Decimal(
                contract["Monthly_Amount__c"]
            )
            assert bool(contract["Last_Amendment_Date__c"]) == (code == "AMENDMENT_NOT_APPLIED")
    for row in injected(answers, "SUBSCRIPTION_WITHOUT_CONTRACT"):
        subscription = next(
            s for s in demo.jsonl("subscription.jsonl") if s["id"] == row["source_id"]
        )
        assert subscription["metadata"].get("salesforce_contract_id") not in contracts
        assert Decimal(row["expected_difference"]) == monthly(subscription)

    matched = [c for c in contracts if c in subscriptions]
    flagged = {row["source_id"] for row in answers}
    for contract_id in matched:
        if contract_id in flagged:
            continue
        assert monthly(subscriptions[contract_id]) == Decimal(
            contracts[contract_id]["Monthly_Amount__c"]
        )


# --- memory -------------------------------------------------------------------


def peak_memory(path: Path, customers: int) -> int:
    tracemalloc.start()
    try:
        generate(path, months=4, customers_per_subsidiary=customers)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_customers(tmp_path):
    small = peak_memory(tmp_path / "small", 17)
    large = peak_memory(tmp_path / "large", 40)
    assert large < small * 1.3
