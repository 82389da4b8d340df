"""Raw objects that tieout ingests: one spec per vendor object, shared by the
generator (which writes these files), the adapters (which parse them) and the
staging models (which read the raw tables they land in).

Each spec names the file a snapshot holds, the raw table it lands in and the
columns of that table. A column's ``source`` is the header in a CSV file or a
dotted path into a JSON object; several paths are tried in order because Stripe
moved fields between API versions. Every raw table also carries ``_load_id``
and ``_line_number`` (added by the loader), and JSON objects keep the whole
object in ``_record``.

Column kinds:

- ``text``, ``integer``, ``decimal`` (exact ``numeric``, e.g. quantity, rate),
  ``boolean`` (``true/false`` in Salesforce, ``T/F`` in NetSuite, JSON booleans
  in Stripe), ``date``, ``timestamp`` (ISO 8601; a value without an offset is UTC),
  ``unix_timestamp`` (Stripe epoch seconds), ``json``.
- ``money``: a decimal amount in major units, checked against the exponent of
  the currency in ``currency_column`` (or 2 decimals when the file has none).
- ``minor_money``: an integer amount in the currency's minor units (Stripe),
  converted to major units with that currency's ISO 4217 exponent.
"""

from __future__ import annotations

from dataclasses import dataclass

SALESFORCE = "salesforce"
STRIPE = "stripe"
NETSUITE = "netsuite"
SOURCES = (SALESFORCE, STRIPE, NETSUITE)

COLUMN_KINDS = (
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "timestamp",
    "unix_timestamp",
    "json",
    "money",
    "minor_money",
)

POSTGRES_TYPES = {
    "text": "text",
    "integer": "bigint",
    "decimal": "numeric",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamptz",
    "unix_timestamp": "timestamptz",
    "json": "jsonb",
    "money": "numeric",
    "minor_money": "numeric",
}


@dataclass(frozen=True)
class Column:
    """One column of a raw table and where its value comes from."""

    name: str
    kind: str
    source: tuple[str, ...]
    required: bool = False
    currency_column: str | None = None

    @property
    def postgres_type(self) -> str:
        return POSTGRES_TYPES[self.kind]


def col(
    name: str,
    kind: str = "text",
    source: str | tuple[str, ...] | None = None,
    *,
    required: bool = False,
    currency: str | None = None,
) -> Column:
    """Build a column whose source defaults to its own name."""
    if kind not in COLUMN_KINDS:
        raise ValueError(f"unknown column kind {kind!r} for column {name!r}")
    if source is None:
        paths = (name,)
    elif isinstance(source, str):
        paths = (source,)
    else:
        paths = source
    return Column(name, kind, paths, required, currency)


@dataclass(frozen=True)
class ChildSpec:
    """Rows nested inside a JSON object (invoice lines inside an invoice).

    ``path`` points at the list; ``parent_column`` receives the parent's id.
    ``keeps_record`` adds a ``_record`` column with the item's JSON; without it the
    item is still kept whole inside the parent's ``_record``.
    """

    table: str
    path: str
    parent_column: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    keeps_record: bool = False


@dataclass(frozen=True)
class ObjectSpec:
    """A vendor object: the file it comes in and the raw table it lands in."""

    source: str
    name: str
    file_names: tuple[str, ...]
    file_format: str  # "csv" or "jsonl"
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    children: tuple[ChildSpec, ...] = ()
    # A column the file has but the spec does not: "tolerate" records it as
    # schema drift in the load manifest, "reject" quarantines the file.
    unknown_columns: str = "tolerate"

    @property
    def table(self) -> str:
        return f"{self.source}__{self.name}"

    @property
    def qualified_table(self) -> str:
        return f"raw.{self.table}"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *(child.table for child in self.children))


# --- Salesforce: Bulk API / Data Loader CSV, API field names as headers -------

_SF_AUDIT = (
    col("is_deleted", "boolean", "IsDeleted"),
    col("created_date", "timestamp", "CreatedDate"),
    col("last_modified_date", "timestamp", "LastModifiedDate"),
)

SALESFORCE_OBJECTS = (
    ObjectSpec(
        SALESFORCE,
        "account",
        ("Account.csv",),
        "csv",
        ("id",),
        (
            col("id", source="Id", required=True),
            col("name", source="Name", required=True),
            col("billing_country", source="BillingCountry"),
            col("currency_iso_code", source="CurrencyIsoCode"),
            col("parent_id", source="ParentId"),
            # Which legal entity bills the account; a NetSuite subsidiary id.
            col("subsidiary", source="Subsidiary__c"),
            *_SF_AUDIT,
        ),
    ),
    ObjectSpec(
        SALESFORCE,
        "product2",
        ("Product2.csv",),
        "csv",
        ("id",),
        (
            col("id", source="Id", required=True),
            col("name", source="Name", required=True),
            col("product_code", source="ProductCode"),
            col("family", source="Family"),
            col("is_active", "boolean", "IsActive"),
            col("stripe_product_id", source="Stripe_Product_Id__c"),
            *_SF_AUDIT,
        ),
    ),
    ObjectSpec(
        SALESFORCE,
        "opportunity",
        ("Opportunity.csv",),
        "csv",
        ("id",),
        (
            col("id", source="Id", required=True),
            col("account_id", source="AccountId", required=True),
            col("name", source="Name"),
            col("stage_name", source="StageName", required=True),
            col("is_won", "boolean", "IsWon"),
            col("is_closed", "boolean", "IsClosed"),
            col("close_date", "date", "CloseDate"),
            col("type", source="Type"),
            col("currency_iso_code", source="CurrencyIsoCode"),
            col("amount", "money", "Amount", currency="currency_iso_code"),
            col("contract_id", source="ContractId"),
            *_SF_AUDIT,
        ),
    ),
    ObjectSpec(
        SALESFORCE,
        "opportunity_line_item",
        ("OpportunityLineItem.csv",),
        "csv",
        ("id",),
        (
            col("id", source="Id", required=True),
            col("opportunity_id", source="OpportunityId", required=True),
            col("product2_id", source="Product2Id"),
            col("quantity", "decimal", "Quantity"),
            col("currency_iso_code", source="CurrencyIsoCode"),
            col("unit_price", "money", "UnitPrice", currency="currency_iso_code"),
            col("total_price", "money", "TotalPrice", currency="currency_iso_code"),
            col("service_date", "date", "ServiceDate"),
            *_SF_AUDIT,
        ),
    ),
    ObjectSpec(
        SALESFORCE,
        "contract",
        ("Contract.csv",),
        "csv",
        ("id",),
        (
            col("id", source="Id", required=True),
            col("account_id", source="AccountId", required=True),
            col("contract_number", source="ContractNumber"),
            col("status", source="Status", required=True),
            col("start_date", "date", "StartDate", required=True),
            col("end_date", "date", "EndDate"),
            col("contract_term", "integer", "ContractTerm"),
            col("currency_iso_code", source="CurrencyIsoCode", required=True),
            # Recurring value per month in the contract currency, after amendments.
            col(
                "monthly_amount",
                "money",
                "Monthly_Amount__c",
                currency="currency_iso_code",
            ),
            col("opportunity_id", source="Opportunity__c"),
            # Effective date of the latest amendment; empty for an unamended contract.
            col("last_amendment_date", "date", "Last_Amendment_Date__c"),
            col("activated_date", "timestamp", "ActivatedDate"),
            *_SF_AUDIT,
        ),
    ),
)


# --- Stripe: API objects as JSON Lines, amounts in minor units ----------------

STRIPE_OBJECTS = (
    ObjectSpec(
        STRIPE,
        "customer",
        ("customer.jsonl", "customers.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("name"),
            col("email"),
            col("currency"),
            col("address_country", source="address.country"),
            col("deleted", "boolean"),
            col("salesforce_account_id", source="metadata.salesforce_account_id"),
            col("netsuite_customer_id", source="metadata.netsuite_customer_id"),
            col("subsidiary", source="metadata.subsidiary"),
            col("created", "unix_timestamp"),
            col("livemode", "boolean"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "product",
        ("product.jsonl", "products.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("name"),
            col("active", "boolean"),
            col("tax_code"),
            col("created", "unix_timestamp"),
            col("updated", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "price",
        ("price.jsonl", "prices.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("product", required=True),
            col("currency", required=True),
            col("unit_amount", "minor_money", currency="currency"),
            col("type"),
            col("recurring_interval", source="recurring.interval"),
            col("recurring_usage_type", source="recurring.usage_type"),
            col("active", "boolean"),
            col("created", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "subscription",
        ("subscription.jsonl", "subscriptions.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("customer", required=True),
            col("status", required=True),
            col("currency"),
            col("start_date", "unix_timestamp"),
            col("ended_at", "unix_timestamp"),
            col("canceled_at", "unix_timestamp"),
            col("cancel_at", "unix_timestamp"),
            col("created", "unix_timestamp"),
            col("salesforce_contract_id", source="metadata.salesforce_contract_id"),
        ),
        children=(
            ChildSpec(
                "stripe__subscription_item",
                "items.data",
                "subscription",
                ("id",),
                (
                    col("id", required=True),
                    col("price_id", source="price.id"),
                    col("product_id", source="price.product"),
                    col("currency", source="price.currency"),
                    col(
                        "unit_amount",
                        "minor_money",
                        "price.unit_amount",
                        currency="currency",
                    ),
                    col("recurring_interval", source="price.recurring.interval"),
                    col("usage_type", source="price.recurring.usage_type"),
                    col("quantity", "decimal"),
                    col("created", "unix_timestamp"),
                    col("current_period_start", "unix_timestamp"),
                    col("current_period_end", "unix_timestamp"),
                ),
                # Staging reads price.recurring.interval_count from the item's _record.
                keeps_record=True,
            ),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "invoice",
        ("invoice.jsonl", "invoices.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("number"),
            col("customer", required=True),
            col(
                "subscription", source=("subscription", "parent.subscription_details.subscription")
            ),
            col("status", required=True),
            col("currency", required=True),
            col("subtotal", "minor_money", currency="currency"),
            col("tax", "minor_money", currency="currency"),
            col("total", "minor_money", currency="currency"),
            col("amount_due", "minor_money", currency="currency"),
            col("amount_paid", "minor_money", currency="currency"),
            col("amount_remaining", "minor_money", currency="currency"),
            col("created", "unix_timestamp"),
            col("effective_at", "unix_timestamp"),
            col("due_date", "unix_timestamp"),
            col("period_start", "unix_timestamp"),
            col("period_end", "unix_timestamp"),
            col("finalized_at", "unix_timestamp", "status_transitions.finalized_at"),
            col("paid_at", "unix_timestamp", "status_transitions.paid_at"),
            col("voided_at", "unix_timestamp", "status_transitions.voided_at"),
            col("salesforce_contract_id", source="metadata.salesforce_contract_id"),
        ),
        children=(
            ChildSpec(
                "stripe__invoice_line",
                "lines.data",
                "invoice",
                ("id",),
                (
                    col("id", required=True),
                    col("currency"),
                    col("amount", "minor_money", currency="currency"),
                    col("description"),
                    col("quantity", "decimal"),
                    col("price_id", source=("pricing.price_details.price", "price.id")),
                    col(
                        "product_id",
                        source=("pricing.price_details.product", "price.product"),
                    ),
                    col(
                        "subscription",
                        source=("subscription", "parent.subscription_item_details.subscription"),
                    ),
                    col(
                        "subscription_item",
                        source=(
                            "subscription_item",
                            "parent.subscription_item_details.subscription_item",
                        ),
                    ),
                    col(
                        "proration",
                        "boolean",
                        ("proration", "parent.subscription_item_details.proration"),
                    ),
                    col("tax_code", source="metadata.tax_code"),
                    col("period_start", "unix_timestamp", "period.start"),
                    col("period_end", "unix_timestamp", "period.end"),
                ),
            ),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "credit_note",
        ("credit_note.jsonl", "credit_notes.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("number"),
            col("invoice", required=True),
            col("customer"),
            col("status", required=True),
            col("type"),
            col("reason"),
            col("currency", required=True),
            col("subtotal", "minor_money", currency="currency"),
            col("total", "minor_money", currency="currency"),
            col("created", "unix_timestamp"),
            col("effective_at", "unix_timestamp"),
            col("voided_at", "unix_timestamp"),
        ),
        children=(
            ChildSpec(
                "stripe__credit_note_line",
                "lines.data",
                "credit_note",
                ("id",),
                (
                    col("id", required=True),
                    col("invoice_line_item"),
                    col("description"),
                    col("quantity", "decimal"),
                    col("currency", source=("currency", "__parent__.currency")),
                    col("amount", "minor_money", currency="currency"),
                ),
            ),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "charge",
        ("charge.jsonl", "charges.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("customer"),
            col("payment_intent"),
            col("balance_transaction"),
            col("status", required=True),
            col("paid", "boolean"),
            col("currency", required=True),
            col("amount", "minor_money", currency="currency"),
            col("amount_captured", "minor_money", currency="currency"),
            col("amount_refunded", "minor_money", currency="currency"),
            col("created", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "invoice_payment",
        ("invoice_payment.jsonl", "invoice_payments.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("invoice", required=True),
            col("charge", source="payment.charge"),
            col("payment_intent", source="payment.payment_intent"),
            col("payment_type", source="payment.type"),
            col("status"),
            col("currency"),
            col("amount_paid", "minor_money", currency="currency"),
            col("amount_requested", "minor_money", currency="currency"),
            col("paid_at", "unix_timestamp", "status_transitions.paid_at"),
            col("created", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "refund",
        ("refund.jsonl", "refunds.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("charge"),
            col("payment_intent"),
            col("balance_transaction"),
            col("status"),
            col("reason"),
            col("currency", required=True),
            col("amount", "minor_money", currency="currency"),
            col("credit_note", source="metadata.credit_note"),
            col("created", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "balance_transaction",
        ("balance_transaction.jsonl", "balance_transactions.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("type", required=True),
            col("reporting_category"),
            col("source"),
            col("status"),
            col("currency", required=True),
            col("amount", "minor_money", currency="currency"),
            col("fee", "minor_money", currency="currency"),
            col("net", "minor_money", currency="currency"),
            col("exchange_rate", "decimal"),
            # The automatic payout that settled this transaction, as in Stripe's
            # payout reconciliation report; the export adds it per transaction.
            col("payout", source=("payout", "automatic_payout_id")),
            col("created", "unix_timestamp"),
            col("available_on", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "payout",
        ("payout.jsonl", "payouts.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("status"),
            col("type"),
            col("method"),
            col("automatic", "boolean"),
            col("currency", required=True),
            col("amount", "minor_money", currency="currency"),
            col("balance_transaction"),
            col("arrival_date", "unix_timestamp"),
            col("created", "unix_timestamp"),
        ),
    ),
    ObjectSpec(
        STRIPE,
        "usage_record_summary",
        ("usage_record_summary.jsonl", "usage_record_summaries.jsonl"),
        "jsonl",
        ("id",),
        (
            col("id", required=True),
            col("subscription_item", required=True),
            col("invoice"),
            col("total_usage", "decimal"),
            col("period_start", "unix_timestamp", "period.start"),
            col("period_end", "unix_timestamp", "period.end"),
        ),
    ),
)


# --- NetSuite: SuiteQL / saved-search CSV, SuiteQL field names as headers -----

NETSUITE_OBJECTS = (
    ObjectSpec(
        NETSUITE,
        "subsidiary",
        ("subsidiary.csv", "subsidiaries.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("name", required=True),
            col("country"),
            col("currency", "integer", required=True),
            col("parent", "integer"),
            col("iselimination", "boolean"),
            col("isinactive", "boolean"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "currency",
        ("currency.csv", "currencies.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("name"),
            col("symbol", required=True),
            col("currencyprecision", "integer"),
            col("isbasecurrency", "boolean"),
            col("isinactive", "boolean"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "account",
        ("account.csv", "accounts.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("acctnumber", required=True),
            col("accountsearchdisplayname"),
            col("accttype", required=True),
            col("isinactive", "boolean"),
            col("issummary", "boolean"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "accounting_period",
        ("accountingperiod.csv", "accounting_periods.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("periodname", required=True),
            col("startdate", "date", required=True),
            col("enddate", "date", required=True),
            col("isposting", "boolean"),
            col("isquarter", "boolean"),
            col("isyear", "boolean"),
            col("closed", "boolean"),
            col("arlocked", "boolean"),
            col("alllocked", "boolean"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "consolidated_exchange_rate",
        ("consolidatedexchangerate.csv", "consolidated_exchange_rates.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("postingperiod", "integer", required=True),
            col("fromcurrency", "integer", required=True),
            col("tocurrency", "integer", required=True),
            col("fromsubsidiary", "integer"),
            col("tosubsidiary", "integer"),
            col("averagerate", "decimal"),
            col("currentrate", "decimal"),
            col("historicalrate", "decimal"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "customer",
        ("customer.csv", "customers.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("entityid"),
            col("companyname"),
            # The Salesforce Account Id, as set by the CRM integration.
            col("externalid"),
            col("subsidiary", "integer"),
            col("currency", "integer"),
            col("parent", "integer"),
            col("billcountry"),
            col("isinactive", "boolean"),
            col("lastmodifieddate", "timestamp"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "transaction",
        ("transaction.csv", "transactions.csv"),
        "csv",
        ("id",),
        (
            col("id", "integer", required=True),
            col("tranid"),
            col("type", required=True),
            col("trandate", "date", required=True),
            col("postingperiod", "integer"),
            col("subsidiary", "integer"),
            col("entity", "integer"),
            col("currency", "integer", required=True),
            col("exchangerate", "decimal"),
            col("foreigntotal", "money"),
            # The billing document id (Stripe in_/cn_/ch_/re_/py_) or, for journals
            # posted by tieout, the idempotency key.
            col("externalid"),
            col("memo"),
            col("status"),
            col("voided", "boolean"),
            col("reversal", "integer"),
            col("createddate", "timestamp"),
            col("lastmodifieddate", "timestamp"),
        ),
    ),
    ObjectSpec(
        NETSUITE,
        "transaction_line",
        ("transactionline.csv", "transaction_lines.csv"),
        "csv",
        ("transaction", "id"),
        (
            col("transaction", "integer", required=True),
            col("id", "integer", required=True),
            col("mainline", "boolean"),
            col("subsidiary", "integer"),
            col("account", "integer", required=True),
            col("item"),
            col("class"),
            col("department"),
            col("location"),
            col("taxcode"),
            col("entity", "integer"),
            col("memo"),
            # Transaction currency.
            col("debitforeignamount", "money"),
            col("creditforeignamount", "money"),
            # Subsidiary (functional) currency, at the transaction's exchange rate.
            col("debit", "money"),
            col("credit", "money"),
        ),
    ),
)

OBJECTS: tuple[ObjectSpec, ...] = SALESFORCE_OBJECTS + STRIPE_OBJECTS + NETSUITE_OBJECTS


def objects_for(source: str) -> tuple[ObjectSpec, ...]:
    """Return the object specs of one source system."""
    return tuple(spec for spec in OBJECTS if spec.source == source)


def spec_for_file(source: str, file_name: str) -> ObjectSpec | None:
    """Return the spec whose file name matches, or None for an unknown file."""
    for spec in objects_for(source):
        if file_name in spec.file_names:
            return spec
    return None
