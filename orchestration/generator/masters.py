"""Rows of the master-data files: Salesforce objects, NetSuite reference tables and
customers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from orchestration.generator.calendar import ExchangeRates, Period, SummaryPeriod, add_months
from orchestration.generator.catalog import PLATFORM, SEATS, Catalog
from orchestration.generator.ids import OPPORTUNITY_LINE_ITEM_PREFIX
from orchestration.generator.ledger import netsuite_bool, netsuite_timestamp
from orchestration.generator.model import Contract, CustomerRecords
from orchestration.generator.names import drifted_name
from orchestration.generator.seeds import Seeds

CONTRACT_TERM_MONTHS = 12
# Country a second system holds for a customer with master-data drift.
DRIFTED_COUNTRIES = {"US": "CA", "CA": "US", "GB": "IE", "IE": "GB", "DE": "AT", "AT": "DE"}


def salesforce_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def salesforce_bool(value: bool) -> str:
    return "true" if value else "false"


def audit(created: datetime, modified: datetime | None = None) -> dict:
    return {
        "IsDeleted": "false",
        "CreatedDate": salesforce_datetime(created),
        "LastModifiedDate": salesforce_datetime(modified or created),
    }


def product2_rows(catalog: Catalog) -> list[dict]:
    created = datetime(2023, 11, 14, 22, 13, tzinfo=UTC)
    return [
        {
            "Id": catalog.product2_id(product),
            "Name": product.name,
            "ProductCode": product.salesforce_code,
            "Family": product.family,
            "IsActive": "true",
            "Stripe_Product_Id__c": product.stripe_id,
            **audit(created),
        }
        for product in catalog.products
        if product.salesforce_code
    ]


def drifted_country(country: str) -> str:
    return DRIFTED_COUNTRIES.get(country, "US" if country != "US" else "CA")


class SalesforceRows:
    """Account, Opportunity, OpportunityLineItem and Contract rows of one customer."""

    def __init__(self, catalog: Catalog, records: CustomerRecords, line_item_id) -> None:
        self.catalog = catalog
        self.records = records
        self.line_item_id = line_item_id

    def account(self) -> dict:
        customer = self.records.customer
        return {
            "Id": customer.salesforce_id,
            "Name": customer.name,
            "BillingCountry": customer.country,
            "CurrencyIsoCode": customer.currency.code,
            "ParentId": customer.parent_salesforce_id,
            "Subsidiary__c": str(customer.subsidiary.id),
            **audit(customer.created),
        }

    def contract(self, contract: Contract) -> dict:
        customer = self.records.customer
        amendment = contract.amendment
        modified = contract.activated
        if amendment is not None:
            modified = datetime.combine(amendment.effective, datetime.min.time(), tzinfo=UTC)
        end = add_months(contract.start, CONTRACT_TERM_MONTHS) - timedelta(days=1)
        return {
            "Id": contract.id,
            "AccountId": customer.salesforce_id,
            "ContractNumber": contract.number,
            "Status": "Activated",
            "StartDate": contract.start.isoformat(),
            "EndDate": end.isoformat(),
            "ContractTerm": CONTRACT_TERM_MONTHS,
            "CurrencyIsoCode": customer.currency.code,
            "Monthly_Amount__c": customer.currency.round(contract.monthly_amount),
            "Opportunity__c": contract.opportunity_id,
            "Last_Amendment_Date__c": amendment.effective.isoformat() if amendment else None,
            "ActivatedDate": salesforce_datetime(contract.activated),
            **audit(contract.created, modified),
        }

    def opportunities(self, contract: Contract) -> tuple[list[dict], list[dict]]:
        """Return the won opportunity of a contract, and of its amendment, with their lines."""
        customer = self.records.customer
        currency = customer.currency
        platform = self.catalog.price(self.catalog.by_code[PLATFORM], currency)
        seat = self.catalog.price(self.catalog.by_code[SEATS], currency)
        deals = [
            (
                contract.opportunity_id,
                "New Customer",
                contract.activated - timedelta(days=1),
                [(platform, 1), (seat, contract.seats)],
            )
        ]
        if contract.amendment is not None and contract.amendment_opportunity_id is not None:
            amendment = contract.amendment
            closed = datetime.combine(amendment.effective, datetime.min.time(), tzinfo=UTC)
            deals.append(
                (
                    contract.amendment_opportunity_id,
                    "Existing Customer - Upgrade",
                    closed - timedelta(days=2),
                    [(seat, amendment.new_seats - contract.seats)],
                )
            )
        opportunities, lines = [], []
        for opportunity_id, kind, closed, products in deals:
            amount = Decimal(0)
            for price, quantity in products:
                unit = currency.to_major(price.unit_amount)
                amount += unit * quantity
                lines.append(
                    {
                        "Id": self.line_item_id(),
                        "OpportunityId": opportunity_id,
                        "Product2Id": self.catalog.product2_id(price.product),
                        "Quantity": quantity,
                        "CurrencyIsoCode": currency.code,
                        "UnitPrice": unit,
                        "TotalPrice": currency.round(unit * quantity),
                        "ServiceDate": contract.start.isoformat(),
                        **audit(closed),
                    }
                )
            opportunities.append(
                {
                    "Id": opportunity_id,
                    "AccountId": customer.salesforce_id,
                    "Name": f"{customer.name} - {kind} {closed.date().isoformat()}",
                    "StageName": "Closed Won",
                    "IsWon": "true",
                    "IsClosed": "true",
                    "CloseDate": closed.date().isoformat(),
                    "Type": kind,
                    "CurrencyIsoCode": currency.code,
                    "Amount": currency.round(amount),
                    "ContractId": contract.id,
                    **audit(closed - timedelta(days=20), closed),
                }
            )
        return opportunities, lines

    def open_opportunity(self, opportunity_id: str, close: date, created: datetime) -> dict:
        customer = self.records.customer
        seat = self.catalog.price(self.catalog.by_code[SEATS], customer.currency)
        return {
            "Id": opportunity_id,
            "AccountId": customer.salesforce_id,
            "Name": f"{customer.name} - seat expansion",
            "StageName": "Negotiation/Review",
            "IsWon": "false",
            "IsClosed": "false",
            "CloseDate": close.isoformat(),
            "Type": "Existing Customer - Upgrade",
            "CurrencyIsoCode": customer.currency.code,
            "Amount": customer.currency.to_major(seat.unit_amount * 25),
            "ContractId": None,
            **audit(created),
        }


def netsuite_customer_row(records: CustomerRecords) -> dict:
    customer = records.customer
    name = customer.name
    if records.drift == "netsuite_name":
        name = drifted_name(name)
    return {
        "id": customer.netsuite_id,
        "entityid": f"CUST{customer.number:06d}",
        "companyname": name,
        "externalid": customer.salesforce_id,
        "subsidiary": customer.subsidiary.id,
        "currency": customer.currency.netsuite_id,
        "parent": customer.parent_netsuite_id,
        "billcountry": customer.country,
        "isinactive": "F",
        "lastmodifieddate": netsuite_timestamp(customer.created),
    }


def subsidiary_rows(seeds: Seeds) -> list[dict]:
    root = seeds.subsidiaries[0].id
    return [
        {
            "id": subsidiary.id,
            "name": subsidiary.name,
            "country": subsidiary.country,
            "currency": subsidiary.currency.netsuite_id,
            "parent": None if subsidiary.id == root else root,
            "iselimination": "F",
            "isinactive": "F",
        }
        for subsidiary in seeds.subsidiaries
    ]


def currency_rows(seeds: Seeds) -> list[dict]:
    base = seeds.subsidiaries[0].currency.code
    return [
        {
            "id": currency.netsuite_id,
            "name": currency.name,
            "symbol": currency.code,
            "currencyprecision": currency.exponent,
            "isbasecurrency": netsuite_bool(currency.code == base),
            "isinactive": "F",
        }
        for currency in sorted(seeds.currencies.values(), key=lambda item: item.netsuite_id)
    ]


def account_rows(seeds: Seeds) -> list[dict]:
    return [
        {
            "id": account.internal_id,
            "acctnumber": account.number,
            "accountsearchdisplayname": f"{account.number} {account.name}",
            "accttype": account.type,
            "isinactive": "F",
            "issummary": "F",
        }
        for account in seeds.accounts.values()
    ]


def accounting_period_rows(
    periods: tuple[Period, ...], summaries: tuple[SummaryPeriod, ...]
) -> list[dict]:
    """Monthly posting periods (all but the last closed) plus quarter and year rows."""
    last = periods[-1]
    rows = []
    for period in periods:
        closed = netsuite_bool(period is not last)
        rows.append(
            {
                "id": period.netsuite_id,
                "periodname": period.name,
                "startdate": period.start.isoformat(),
                "enddate": period.end.isoformat(),
                "isposting": "T",
                "isquarter": "F",
                "isyear": "F",
                "closed": closed,
                "arlocked": closed,
                "alllocked": closed,
            }
        )
    for summary in summaries:
        closed = netsuite_bool(summary.end < last.start)
        rows.append(
            {
                "id": summary.netsuite_id,
                "periodname": summary.name,
                "startdate": summary.start.isoformat(),
                "enddate": summary.end.isoformat(),
                "isposting": "F",
                "isquarter": netsuite_bool(summary.is_quarter),
                "isyear": netsuite_bool(summary.is_year),
                "closed": closed,
                "arlocked": closed,
                "alllocked": closed,
            }
        )
    rows.sort(key=lambda row: row["id"])
    return rows


def exchange_rate_rows(
    seeds: Seeds, periods: tuple[Period, ...], rates: ExchangeRates
) -> list[dict]:
    """Build one row per period, currency and subsidiary: the rate into its functional currency."""
    rows = []
    for period in periods:
        for subsidiary in seeds.subsidiaries:
            for currency in sorted(seeds.currencies.values(), key=lambda item: item.netsuite_id):
                to_code = subsidiary.currency.code
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "postingperiod": period.netsuite_id,
                        "fromcurrency": currency.netsuite_id,
                        "tocurrency": subsidiary.currency.netsuite_id,
                        "fromsubsidiary": subsidiary.id,
                        "tosubsidiary": subsidiary.id,
                        "averagerate": rates.average(period, currency.code, to_code),
                        "currentrate": rates.current(period, currency.code, to_code),
                        "historicalrate": rates.average(period, currency.code, to_code),
                    }
                )
    return rows


def line_item_id_factory(builder_sf_id):
    def next_id() -> str:
        return builder_sf_id(OPPORTUNITY_LINE_ITEM_PREFIX)

    return next_id
